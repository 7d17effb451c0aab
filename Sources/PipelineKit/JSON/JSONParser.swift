// JSONParser: bytes → JSONValue. Owns the grammar (RFC 8259) and the error positions; it is
// the hot path of ingest (every request body goes through it), so it works on raw UTF-8
// bytes and builds no intermediate tree. Benchmarked against JSONSerialization in bench/ and
// cross-checked against it by randomized tests.

/// Why a body is not JSON, and where: the byte offset and the 1-based line and column.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    public var line: Int
    public var column: Int
    public var description: String { "\(reason) at line \(line), column \(column) (byte \(offset))" }
}

/// Limits that keep a hostile body from costing unbounded stack or memory.
public struct JSONParserLimits: Sendable {
    /// Deepest nesting accepted; deeper input is an error, not a stack overflow.
    public var maxDepth: Int
    public init(maxDepth: Int = 64) { self.maxDepth = maxDepth }
}

public enum JSONParser {
    /// Parses one JSON document; trailing non-space bytes are an error.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONParserLimits = .init()) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            parseBuffer(buffer, limits: limits)
        }
        switch result ?? Array(bytes).withUnsafeBufferPointer({ parseBuffer($0, limits: limits) }) {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    public static func parse(_ text: String, limits: JSONParserLimits = .init()) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { parseBuffer($0, limits: limits) }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    static func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONParserLimits) -> Result<JSONValue, JSONParseError> {
        var reader = ByteReader(buffer: buffer, maxDepth: limits.maxDepth)
        do {
            reader.skipWhitespace()
            let value = try reader.parseValue(depth: 0)
            reader.skipWhitespace()
            if reader.index < buffer.count { throw reader.error("unexpected content after the JSON value") }
            return .success(value)
        } catch let failure as ByteReader.Failure {
            return .failure(reader.locate(failure))
        } catch {
            return .failure(JSONParseError(reason: "\(error)", offset: 0, line: 1, column: 1))
        }
    }
}

private struct ByteReader {
    struct Failure: Error {
        var reason: String
        var offset: Int
    }

    let buffer: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buffer = buffer
        self.maxDepth = maxDepth
    }

    func error(_ reason: String, at offset: Int? = nil) -> Failure {
        Failure(reason: reason, offset: offset ?? index)
    }

    func locate(_ failure: Failure) -> JSONParseError {
        var line = 1
        var column = 1
        for byte in buffer[0..<min(failure.offset, buffer.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONParseError(reason: failure.reason, offset: failure.offset, line: line, column: column)
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
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return JSONObject(members)
        }
        while true {
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else {
                throw error(index < buffer.count ? "expected a string key in object" : "unexpected end of input in object")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            // Last duplicate wins, as in JSONSerialization and most parsers.
            if let existing = members.firstIndex(where: { $0.key == key }) {
                members[existing].value = value
            } else {
                members.append((key: key, value: value))
            }
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input in object") }
            switch buffer[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return JSONObject(members)
            default: throw error("expected ',' or '}' in object")
            }
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
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input in array") }
            switch buffer[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return items
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    mutating func parseNumber() throws(Failure) -> JSONNumber {
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
        let literal = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
        // A number no double can hold (1e999) would fail later in a store (PostgreSQL's
        // numeric, SQLite's REAL); reject it here, where the client can be told.
        if index - start > 15 || hasExponent, !(Double(literal)?.isFinite ?? false) {
            throw error("number \(literal.prefix(32)) is out of range", at: start)
        }
        return JSONNumber(validatedLiteral: literal)
    }

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Reads a string starting at the opening quote. Runs without escapes are copied as-is
    /// (after UTF-8 validation); escapes are decoded, surrogate pairs joined.
    mutating func parseString() throws(Failure) -> String {
        index += 1
        let start = index
        // Fast path: no escapes, all printable.
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: buffer[start..<index])
                index += 1
                return try decodeUTF8(slice, at: start)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        var bytes = [UInt8](UnsafeBufferPointer(rebasing: buffer[start..<index]))
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try bytes.withUnsafeBufferPointer { pointer throws(Failure) in try decodeUTF8(pointer, at: start) }
            case UInt8(ascii: "\\"):
                index += 1
                guard index < buffer.count else { throw error("unexpected end of input in string escape") }
                let escape = buffer[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &bytes)
                default: throw error("invalid escape '\\\(printable(escape))' in string", at: index - 2)
                }
            default:
                if byte < 0x20 { throw error("unescaped control character in string") }
                bytes.append(byte)
                index += 1
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    mutating func appendUnicodeEscape(to bytes: inout [UInt8]) throws(Failure) {
        let escapeStart = index - 2
        var scalar = try readHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u") else {
                throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
            }
            index += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape", at: escapeStart) }
        UTF8.encode(unicode) { bytes.append($0) }
    }

    mutating func readHex4() throws(Failure) -> UInt32 {
        guard index + 4 <= buffer.count else { throw error("unexpected end of input in \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(Failure) -> String {
        // ASCII is always valid; only multi-byte runs need the validating decoder.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw error("invalid UTF-8 in string", at: offset)
        }
        return string
    }

    func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}
