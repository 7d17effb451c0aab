// JSONParser, the top-level keys of text that was already validated: the key check behind
// `Event.hasPropertyKey(among:)`, which the `enrich` stage runs on every event of the ingest path.
// Validating the whole object again there cost as much as parsing the request body; this
// walk only tracks strings and nesting.

extension JSONParser {
    /// The top-level keys of `text`, in order and with duplicates, for text already known to
    /// be a valid JSON object (an event's properties after `validate`). Values are stepped
    /// over, not checked. Returns nil when the walk meets something no valid object has (a
    /// text that would not parse either; `memberKeys(ofObject:)` says why).
    package static func memberKeys(ofValidatedObject text: String) -> [String]? {
        var keys: [String] = []
        let walked = visitMemberKeys(ofValidatedObject: text) { key in
            keys.append(String(decoding: key, as: UTF8.self))
            return false
        }
        return walked == nil ? nil : keys
    }

    /// Whether a top-level key of the validated object `text` is one of `candidates` (their
    /// UTF-8 bytes), without building a string for any key: `enrich` asks this of every
    /// event. Nil as in `memberKeys(ofValidatedObject:)`, but the walk stops at the first
    /// match, so text after it is not looked at.
    package static func hasMemberKey(ofValidatedObject text: String, among candidates: [[UInt8]]) -> Bool? {
        visitMemberKeys(ofValidatedObject: text) { key in
            candidates.contains { $0.count == key.count && $0.elementsEqual(key) }
        }
    }

    /// Calls `visit` with the UTF-8 bytes of each top-level key (escapes decoded), in order,
    /// until it returns true; returns whether it did, or nil for text that breaks the promise.
    static func visitMemberKeys(ofValidatedObject text: String, _ visit: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool? {
        var text = text
        return text.withUTF8 { bytes in
            var walk = ValidatedObjectWalk(bytes: bytes)
            return walk.visitKeys(visit)
        }
    }
}

/// One pass over the bytes of a valid object. Invariant: `index` only moves forward and
/// every read is bounds-checked, so a text that breaks the promise ends the walk with nil.
struct ValidatedObjectWalk {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    /// See `JSONParser.visitMemberKeys(ofValidatedObject:_:)`.
    mutating func visitKeys(_ visit: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool? {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var depth = 1
        var expectingKey = true
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let (start, end, escaped) = string() else { return nil }
                if depth == 1 && expectingKey {
                    guard let found = Self.visitKey(bytes, start, end, escaped, visit) else { return nil }
                    if found { return true }
                    expectingKey = false
                }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    index += 1
                    skipWhitespace()
                    return index == bytes.count ? false : nil
                }
            case UInt8(ascii: ","): if depth == 1 { expectingKey = true }
            default: break
            }
            index += 1
        }
        return nil
    }

    /// Steps over the string opening at `index`; returns the bounds of its body and whether
    /// it holds an escape.
    mutating func string() -> (Int, Int, Bool)? {
        let start = index + 1
        var escaped = false
        index = start
        while index < bytes.count {
            index = ByteScan.plainJSONStringEnd(bytes, from: index).end
            guard index < bytes.count else { break }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return (start, index - 1, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                index += 2
            default: index += 1
            }
        }
        return nil
    }

    /// Visits the key whose body is `start..<end`; nil when an escaped key does not decode.
    static func visitKey(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ escaped: Bool, _ visit: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool? {
        guard escaped else { return visit(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
        // Rare: decode the escapes with the real parser, quotes included.
        let quoted = UnsafeBufferPointer(rebasing: bytes[(start - 1)..<(end + 1)])
        guard var key = (try? JSONParser.parse(quoted))?.stringValue else { return nil }
        return key.withUTF8(visit)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }
}
