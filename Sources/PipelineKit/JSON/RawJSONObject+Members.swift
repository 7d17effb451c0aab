// RawJSONObject, read and extended as text: top-level members' values found by a scan that
// builds nothing else (`JSONParser.visitMembers`, which `Event.propertyValues` shares), and
// members spliced in before the closing brace. Wire formats use these
// to map an event while its properties stay text (PostHog's `$set` merged in, the original
// timestamp kept) instead of building and re-serializing the properties tree.

extension RawJSONObject {
    /// The value of the top-level member `key`, nil when there is none (a member whose value
    /// is `null` gives `.null`). With duplicate keys the last one wins, as in `JSONParser`.
    /// Cost: nothing when the key sketch rules the key out; else one scan of the text that
    /// parses only that member's value.
    package func member(_ key: String) -> JSONValue? {
        guard keys.mayContain(Array(key.utf8)) else { return nil }
        var found: JSONValue?
        JSONParser.visitMembers(ofValidatedObject: text, slot: { $0 == key ? 0 : nil }) { found = $1 }
        return found
    }

    /// Whether the object has a top-level member `key` (of any value, `null` included).
    package func hasMember(_ key: String) -> Bool { member(key) != nil }

    /// This object with `members` added after its own, written by `JSONWriter` (checked JSON
    /// in, checked JSON out). The caller keeps the keys distinct from the object's own
    /// (`hasMember`); a duplicate would be kept as text and read as the last one.
    package func appending(_ members: JSONObject) -> RawJSONObject {
        guard !members.isEmpty else { return self }
        var writer = JSONWriter(capacity: text.utf8.count + 64)
        writer.writeRaw(text.utf8.dropLast())
        var first = text.utf8.count <= 2
        var sketch = keys
        var nesting = depth
        for member in members {
            if !first { writer.writeRaw(CollectionOfOne(UInt8(ascii: ","))) }
            first = false
            let keyStart = writer.bytes.count + 1
            writer.write(string: member.key)
            writer.bytes[keyStart..<writer.bytes.count - 1].withUnsafeBufferPointer { sketch.insert(raw: $0) }
            writer.writeRaw(CollectionOfOne(UInt8(ascii: ":")))
            writer.write(member.value)
            nesting = max(nesting, 1 + member.value.depth)
        }
        writer.writeRaw(CollectionOfOne(UInt8(ascii: "}")))
        return RawJSONObject(validatedText: String(decoding: writer.bytes, as: UTF8.self), depth: nesting, keys: sketch)
    }

    /// The object `text` holds as a RawJSONObject (checked and made compact), nil when `text`
    /// is not a JSON object.
    package init?(parsing text: String, limits: JSONParserLimits = .init()) {
        var text = text
        let result = text.withUTF8 { buffer in
            JSONParser.document(buffer, limits: limits) { reader throws(ByteReader.Failure) -> RawJSONObject? in
                guard reader.next == UInt8(ascii: "{") else {
                    _ = try reader.parseValue(depth: 0)
                    return nil
                }
                return try reader.captureObject(depth: 0)
            }
        }
        guard case .success(let object?) = result else { return nil }
        self = object
    }
}

extension JSONParser {
    /// Walks the top-level members of `text`, an object's checked text, and parses the value
    /// of each member whose key `slot` maps to a number, handing it to `found` with that
    /// number; every other value is stepped over without being built. Members come in text
    /// order, so with duplicate keys the last call for a slot is the value `JSONParser` keeps.
    /// Text that is not an object visits nothing.
    static func visitMembers(ofValidatedObject text: String, slot: (String) -> Int?, found: (Int, JSONValue) -> Void) {
        var text = text
        text.withUTF8 { buffer in
            var reader = ByteReader(buffer: buffer, maxDepth: .max)
            do throws(ByteReader.Failure) {
                reader.skipWhitespace()
                guard reader.next == UInt8(ascii: "{") else { return }
                reader.index += 1
                reader.skipWhitespace()
                if reader.next == UInt8(ascii: "}") { return }
                // A walk of the members without collecting them (parseObject would).
                var skipped = CompactText(keeps: false)
                repeat {
                    if let index = slot(try reader.parseMemberKey()) {
                        found(index, try reader.parseValue(depth: 1))
                    } else {
                        _ = try reader.skipValue(depth: 1, into: &skipped)
                    }
                } while try !reader.endOfMember(closing: UInt8(ascii: "}"))
            } catch {
                // The text was checked when it was made; a failure cannot happen.
                return
            }
        }
    }
}
