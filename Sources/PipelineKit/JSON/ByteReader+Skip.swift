// ByteReader, checking without building: validates a value exactly as parseValue would
// (same errors, same positions) and gives its text without insignificant whitespace. This is
// how event properties cross the ingest path as text instead of a tree.

/// A JSON object kept as text: what the parser checked and copied, compact (no whitespace
/// outside strings), with strings and numbers exactly as sent.
package struct RawJSONObject: Sendable, Hashable {
    package let text: String
    /// Nesting depth as `JSONValue.depth` counts it (`{}` is 1).
    package let depth: Int
    /// Its top-level keys, for `Event.hasPropertyKey(among:)`.
    package let keys: PropertyKeySketch
    /// The value of the parser's `noteKey` member, found while the object was checked:
    /// `.some(nil)` when it has none, nil when not asked or not sure (then `member` finds it).
    package var noted: JSONValue??
    init(validatedText: String, depth: Int, keys: PropertyKeySketch) {
        self.text = validatedText
        self.depth = depth
        self.keys = keys
    }

    /// Equal when the text is (the rest is read from it).
    package static func == (lhs: RawJSONObject, rhs: RawJSONObject) -> Bool { lhs.text == rhs.text }

    /// Hashes the text.
    package func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

extension ByteReader {
    /// Checks the object at `index` (the caller saw its `{`), a member of an object at
    /// `depth`, and returns it as text. SDKs send compact JSON: then the text is the input's
    /// own bytes, taken in one copy; only input with whitespace is walked a second time to
    /// copy it piece by piece (copying every string and number on the first walk cost the
    /// ingest path about 3 % of the daemon's samples under load).
    mutating func captureObject(depth: Int) throws(Failure) -> RawJSONObject {
        var object = try captureObjectText(depth: depth)
        if noteKey != nil, !notedUnsure {
            object.noted = .some(notedRange.flatMap { try? JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[$0])) })
        }
        return object
    }

    private mutating func captureObjectText(depth: Int) throws(Failure) -> RawJSONObject {
        let start = index
        var counted = CompactText(keeps: false)
        var keys: PropertyKeySketch? = PropertyKeySketch()
        notedRange = nil
        notedUnsure = false
        let nesting = try skipContainer(depth: depth + 1, close: UInt8(ascii: "}"), into: &counted, keys: &keys)
        let sketch = keys ?? PropertyKeySketch()
        if counted.count == index - start {
            return RawJSONObject(
                validatedText: String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self), depth: nesting, keys: sketch)
        }
        // Checked already: the copy only drops the whitespace outside strings (what
        // posthog-python's `json.dumps` puts after every `,` and `:`), without walking the
        // structure and checking every string a second time.
        let compact = Self.compacted(UnsafeBufferPointer(rebasing: buffer[start..<index]), capacity: counted.count)
        return RawJSONObject(validatedText: String(decoding: compact, as: UTF8.self), depth: nesting, keys: sketch)
    }

    /// `bytes`, JSON text already checked, without the whitespace outside its strings.
    static func compacted(_ bytes: UnsafeBufferPointer<UInt8>, capacity: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        var index = 0
        var runStart = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                while index < bytes.count {
                    index = ByteScan.plainJSONStringEnd(bytes, from: index).end
                    guard index < bytes.count else { break }
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") { break }
                    index += byte == UInt8(ascii: "\\") ? 2 : 1
                }
                index += 1
            case 0x20, 0x09, 0x0A, 0x0D:
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D { index += 1 }
                runStart = index
            default:
                index += 1
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<min(index, bytes.count)]))
        return out
    }

    /// Checks the value at `index` and appends its compact text to `out`; returns its depth.
    mutating func skipValue(depth: Int, into out: inout CompactText) throws(Failure) -> Int {
        guard index < buffer.count else { throw error("unexpected end of input, expected a value") }
        switch buffer[index] {
        case UInt8(ascii: "{"): return try skipContainer(depth: depth + 1, close: UInt8(ascii: "}"), into: &out)
        case UInt8(ascii: "["): return try skipContainer(depth: depth + 1, close: UInt8(ascii: "]"), into: &out)
        case UInt8(ascii: "\""): try skipString(into: &out)
        case UInt8(ascii: "t"): try copyLiteral("true", into: &out)
        case UInt8(ascii: "f"): try copyLiteral("false", into: &out)
        case UInt8(ascii: "n"): try copyLiteral("null", into: &out)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try scanNumber()
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[range]))
        default: throw error("unexpected character '\(printable(buffer[index]))', expected a value")
        }
        return 0
    }

    mutating func copyLiteral(_ word: StaticString, into out: inout CompactText) throws(Failure) {
        try expectLiteral(word)
        out.append(contentsOf: UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    mutating func skipContainer(depth: Int, close: UInt8, into out: inout CompactText) throws(Failure) -> Int {
        var nested: PropertyKeySketch? = nil
        return try skipContainer(depth: depth, close: close, into: &out, keys: &nested)
    }

    /// An object (`close` is `}`: string keys and `:`) or an array, with the same messages as
    /// parseObject / parseArray. Notes the object's own keys (not nested ones) in `keys`
    /// when that is not nil.
    mutating func skipContainer(depth: Int, close: UInt8, into out: inout CompactText, keys: inout PropertyKeySketch?) throws(Failure) -> Int {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        let isObject = close == UInt8(ascii: "}")
        out.append(buffer[index])
        index += 1
        var inner = 0
        skipWhitespace()
        if index < buffer.count, buffer[index] == close {
            index += 1
            out.append(close)
            return 1
        }
        while true {
            skipWhitespace()
            if isObject {
                guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else {
                    throw error(index < buffer.count ? "expected a string key in object" : "unexpected end of input in object")
                }
                let keyStart = index + 1
                try skipString(into: &out)
                var noting = false
                if keys != nil {
                    let raw = UnsafeBufferPointer(rebasing: buffer[keyStart..<index - 1])
                    keys?.insert(raw: raw)
                    if let noteKey {
                        if raw.contains(UInt8(ascii: "\\")) { notedUnsure = true }
                        noting = raw.count == noteKey.count && raw.elementsEqual(noteKey)
                    }
                }
                skipWhitespace()
                guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
                index += 1
                out.append(UInt8(ascii: ":"))
                skipWhitespace()
                if noting {
                    let valueStart = index
                    inner = max(inner, try skipValue(depth: depth, into: &out))
                    notedRange = valueStart..<index
                    if try endOfMember(closing: close) {
                        out.append(close)
                        return 1 + inner
                    }
                    out.append(UInt8(ascii: ","))
                    continue
                }
            }
            inner = max(inner, try skipValue(depth: depth, into: &out))
            if try endOfMember(closing: close) {
                out.append(close)
                return 1 + inner
            }
            out.append(UInt8(ascii: ","))
        }
    }

    /// A string, copied with its escapes as sent; escapes and UTF-8 are checked as in
    /// parseString.
    mutating func skipString(into out: inout CompactText) throws(Failure) {
        let opening = index
        index += 1
        var asciiOnly = true
        var scratch: [UInt8] = []
        while true {
            if skipPlainStringWords() { asciiOnly = false }
            guard index < buffer.count else { break }
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let body = UnsafeBufferPointer(rebasing: buffer[opening + 1..<index - 1])
                if !asciiOnly, String(validating: body, as: UTF8.self) == nil { throw error("invalid UTF-8 in string", at: opening + 1) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[opening..<index]))
                return
            case UInt8(ascii: "\\"):
                switch try escapeLetter() {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                    UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    // Decoded into scratch only to run the same surrogate checks.
                    scratch.removeAll(keepingCapacity: true)
                    try appendUnicodeEscape(to: &scratch)
                case let escape: throw error("invalid escape '\\\(printable(escape))' in string", at: index - 2)
                }
            default:
                if byte < 0x20 { throw error("unescaped control character in string") }
                if byte >= 0x80 { asciiOnly = false }
                index += 1
            }
        }
        throw error("unterminated string", at: opening)
    }
}

/// Where a skipped value's compact text goes: always counted, kept only when `keeps`.
struct CompactText {
    let keeps: Bool
    var bytes: [UInt8] = []
    private(set) var count = 0

    init(keeps: Bool) { self.keeps = keeps }

    @inline(__always) mutating func append(_ byte: UInt8) {
        count += 1
        if keeps { bytes.append(byte) }
    }

    @inline(__always) mutating func append(contentsOf chunk: UnsafeBufferPointer<UInt8>) {
        count += chunk.count
        if keeps { bytes.append(contentsOf: chunk) }
    }
}
