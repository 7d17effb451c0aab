// JSONParser, chosen top-level members of text that was already validated: their values
// found in one walk that decodes nothing else. What enrichment steps and wire formats read
// from an event's properties (`$current_url`, `$session_id`) while the properties stay text.

extension JSONParser {
    /// For each of `keys` (UTF-8 bytes), the value of the top-level member of the validated
    /// object `text` with that key, or nil when there is none (a `null` value is `.null`); a
    /// key listed twice is answered twice.
    /// With duplicate keys the last one wins, as in `JSONParser.parse`. Only the values asked
    /// for are parsed; the walk is `visitMemberKeys`'s, so its cost is one pass over the text.
    /// Returns nil for text that breaks the promise (see `memberKeys(ofValidatedObject:)`).
    package static func memberValues(ofValidatedObject text: String, keys: [[UInt8]]) -> [JSONValue?]? {
        var found = [JSONValue?](repeating: nil, count: keys.count)
        var text = text
        let walked = text.withUTF8 { bytes -> Bool in
            var walk = ValidatedObjectWalk(bytes: bytes)
            return walk.visitMembers { key, value in
                var parsed: JSONValue?
                // A key asked for twice gets its value in both places.
                for slot in keys.indices where keys[slot].count == key.count && keys[slot].elementsEqual(key) {
                    if parsed == nil {
                        guard let value = try? JSONParser.parse(value) else { return false }
                        parsed = value
                    }
                    found[slot] = parsed
                }
                return true
            }
        }
        return walked ? found : nil
    }
}

extension ValidatedObjectWalk {
    /// Calls `visit` with each top-level key (escapes decoded) and the bytes of its value, in
    /// order; `visit` returns false to give up (a value that does not parse). Returns whether
    /// the walk reached the end of a well-formed object.
    mutating func visitMembers(_ visit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return false }
        index += 1
        var depth = 1
        // The current member's key (bounds, escaped) and where its value starts, once seen.
        var key: (Int, Int, Bool)?
        var valueStart = -1
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let bounds = string() else { return false }
                if depth == 1 && valueStart < 0 {
                    key = bounds
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                    index += 1
                    valueStart = index
                }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","):
                if byte != UInt8(ascii: ",") { depth -= 1 }
                if depth == 0 || (depth == 1 && byte == UInt8(ascii: ",")) {
                    if let (start, end, escaped) = key, valueStart >= 0 {
                        let value = UnsafeBufferPointer(rebasing: bytes[valueStart..<index])
                        let keep = Self.visitKey(bytes, start, end, escaped) { visit($0, value) }
                        guard keep == true else { return false }
                    }
                    key = nil
                    valueStart = -1
                }
                if depth == 0 {
                    index += 1
                    skipWhitespace()
                    return index == bytes.count
                }
            default: break
            }
            index += 1
        }
        return false
    }
}
