// ByteReader: the JSON grammar over raw UTF-8 bytes, building values (this file, strings in
// ByteReader+Strings.swift) or only checking and copying them (ByteReader+Skip.swift).
// Used by JSONParser; nothing else.

/// A cursor over UTF-8 bytes that reads JSON values. `JSONParser` and `JSONParser+Events`
/// drive it; it owns the grammar checks and the positions of errors.
struct ByteReader {
    struct Failure: Error {
        var reason: String
        var offset: Int
        /// Set when the failure is an events array with more items than allowed (`parseEvents`).
        var itemLimit: Int?
        /// Set when the document holds more values than `JSONParserLimits.maxValues`.
        var valueLimit: Int?
    }

    let buffer: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    let maxValues: Int
    /// Values `parseValue` may still build (`JSONParserLimits.maxValues`).
    var valuesLeft: Int
    var index = 0
    /// A top-level key of each captured object whose value `captureObject` notes, so a wire
    /// format reads it without walking the text again (PostHog's `$session_id`).
    var noteKey: [UInt8]?
    /// Where the value of `noteKey` is in the object being captured (the last one, as
    /// duplicates go), and whether a key written with an escape makes the answer unsure.
    var notedRange: Range<Int>?
    var notedUnsure = false

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxValues: Int = .max) {
        self.buffer = buffer
        self.maxDepth = maxDepth
        self.maxValues = maxValues
        self.valuesLeft = maxValues
    }

    func error(_ reason: String, at offset: Int? = nil) -> Failure {
        Failure(reason: reason, offset: offset ?? index)
    }

    /// The failure with its line and column (in characters), counted a word at a time: an
    /// error at the end of a 5 MiB line costs what scanning it costs, not a step per byte.
    func locate(_ failure: Failure) -> JSONParseError {
        let end = min(failure.offset, buffer.count)
        var line = 1
        var lineStart = 0
        var continuations = 0
        var offset = 0
        while offset < end {
            if offset + 8 <= end, let word = ByteScan.word(buffer, at: offset), !ByteScan.hasByte(UInt8(ascii: "\n"), in: word) {
                continuations += (word & ~(word << 1) & ByteScan.highs).nonzeroBitCount
                offset += 8
                continue
            }
            let byte = buffer[offset]
            if byte == UInt8(ascii: "\n") {
                line += 1
                lineStart = offset + 1
                continuations = 0
            } else if byte & 0xC0 == 0x80 {
                continuations += 1
            }
            offset += 1
        }
        var located = JSONParseError(reason: failure.reason, offset: failure.offset, line: line, column: 1 + end - lineStart - continuations)
        located.itemLimit = failure.itemLimit
        located.valueLimit = failure.valueLimit
        return located
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard index < buffer.count else { throw error("unexpected end of input, expected a value") }
        valuesLeft -= 1
        if valuesLeft < 0 {
            var failure = error("more than \(maxValues) values in one document")
            failure.valueLimit = maxValues
            throw failure
        }
        switch buffer[index] {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character '\(printable(buffer[index]))', expected a value")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw error("unexpected end of input in literal") }
        for offset in 0..<count where buffer[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal, expected '\(word)'")
        }
        index += count
    }

    mutating func parseObject(depth: Int) throws(Failure) -> JSONObject {
        try parseObject(depth: depth) { _, _ throws(Failure) in false }
    }

    /// Parses an object. `claim` gets each member's key with the reader at the value; it may
    /// read the value itself and return true, and the member is then left out of the result.
    /// It sees every duplicate of a key, so the last one wins whoever takes it.
    mutating func parseObject(depth: Int, claim: (String, inout ByteReader) throws(Failure) -> Bool) throws(Failure) -> JSONObject {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        // An event has about six members: one allocation instead of one per doubling.
        members.reserveCapacity(8)
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return JSONObject(members)
        }
        while true {
            let key = try parseMemberKey()
            if try claim(key, &self) {
                members.removeAll { $0.key == key }
            } else {
                let value = try parseValue(depth: depth)
                // Last duplicate wins, as in JSONSerialization and most parsers.
                if let existing = members.firstIndex(where: { $0.key == key }) {
                    members[existing].value = value
                } else {
                    members.append((key: key, value: value))
                }
            }
            if try endOfMember(closing: UInt8(ascii: "}")) { return JSONObject(members) }
        }
    }

    /// The byte at the cursor, if any.
    var next: UInt8? { index < buffer.count ? buffer[index] : nil }

    /// Reads `"key":` and the whitespace around it; returns the key.
    mutating func parseMemberKey() throws(Failure) -> String {
        skipWhitespace()
        guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else {
            throw error(index < buffer.count ? "expected a string key in object" : "unexpected end of input in object")
        }
        let key = try parseString()
        skipWhitespace()
        guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
        index += 1
        skipWhitespace()
        return key
    }

    /// After a member or item: consumes `,` (returns false) or `closing` (returns true).
    mutating func endOfMember(closing: UInt8) throws(Failure) -> Bool {
        let kind = closing == UInt8(ascii: "}") ? "object" : "array"
        skipWhitespace()
        guard index < buffer.count else { throw error("unexpected end of input in \(kind)") }
        switch buffer[index] {
        case UInt8(ascii: ","):
            index += 1
            return false
        case closing:
            index += 1
            return true
        default: throw error(kind == "object" ? "expected ',' or '}' in object" : "expected ',' or ']' in array")
        }
    }

    mutating func parseArray(depth: Int) throws(Failure) -> [JSONValue] {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            if try endOfMember(closing: UInt8(ascii: "]")) { return items }
        }
    }

    mutating func parseNumber() throws(Failure) -> JSONNumber {
        let range = try scanNumber()
        return JSONNumber(validatedLiteral: String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self))
    }

    /// Checks the number at `index` against the grammar and the double range; returns its bytes.
    mutating func scanNumber() throws(Failure) -> Range<Int> {
        let start = index
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        guard index < buffer.count, isDigit(buffer[index]) else { throw error("invalid number: expected a digit") }
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
            if index < buffer.count, isDigit(buffer[index]) { throw error("invalid number: leading zero") }
        } else {
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            index += 1
            guard index < buffer.count, isDigit(buffer[index]) else { throw error("invalid number: expected a digit after '.'") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        var hasExponent = false
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") { index += 1 }
            guard index < buffer.count, isDigit(buffer[index]) else { throw error("invalid number: expected a digit in exponent") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        // A number no double can hold (1e999) would fail later in a store (PostgreSQL's
        // numeric, SQLite's REAL); reject it here, where the client can be told.
        if index - start > 15 || hasExponent {
            let literal = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
            if !(Double(literal)?.isFinite ?? false) { throw error("number \(literal.prefix(32)) is out of range", at: start) }
        }
        return start..<index
    }

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}
