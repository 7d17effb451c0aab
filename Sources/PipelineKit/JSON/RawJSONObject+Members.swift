// RawJSONObject, read and extended as text: top-level members' values found by a scan that
// builds nothing else (`JSONParser.visitMembers`, which `Event.propertyValues` shares), and
// members spliced in before the closing brace. Wire formats use these
// to map an event while its properties stay text (PostHog's `$set` merged in, the original
// timestamp kept) instead of building and re-serializing the properties tree.

extension RawJSONObject {
    /// The value of the top-level member `key`, nil when there is none (a member whose value
    /// is `null` gives `.null`). With duplicate keys the last one wins, as in `JSONParser`.
    /// Cost: nothing when the key sketch rules the key out; else one walk over the text that
    /// parses only that member's value (`JSONParser.memberValues(ofValidatedObject:keys:)`).
    package func member(_ key: String) -> JSONValue? {
        let bytes = Array(key.utf8)
        guard keys.mayContain(bytes) else { return nil }
        return JSONParser.memberValues(ofValidatedObject: text, keys: [bytes])?[0] ?? nil
    }

    /// Whether the object has a top-level member `key` (of any value, `null` included).
    package func hasMember(_ key: String) -> Bool { member(key) != nil }

    /// This object with `members` added after its own, written by `JSONWriter` (checked JSON
    /// in, checked JSON out). The caller keeps the keys distinct from the object's own
    /// (`hasMember`); a duplicate would be kept as text and read as the last one.
    package func appending(_ members: JSONObject) -> RawJSONObject {
        guard !members.isEmpty else { return self }
        // Only the new members are written and checked as UTF-8; the object's own text is
        // joined to them as the String it already is (building the whole text from bytes
        // checked all of it again, a third of the cost of enriching an event).
        var writer = JSONWriter(capacity: 32 * members.count)
        var sketch = keys
        var nesting = depth
        let opensEmpty = text.utf8.count <= 2
        for (position, member) in members.enumerated() {
            if position > 0 || !opensEmpty { writer.writeRaw(CollectionOfOne(UInt8(ascii: ","))) }
            let keyStart = writer.bytes.count + 1
            writer.write(string: member.key)
            writer.bytes[keyStart..<writer.bytes.count - 1].withUnsafeBufferPointer { sketch.insert(raw: $0) }
            writer.writeRaw(CollectionOfOne(UInt8(ascii: ":")))
            writer.write(member.value)
            nesting = max(nesting, 1 + member.value.depth)
        }
        writer.writeRaw(CollectionOfOne(UInt8(ascii: "}")))
        var joined = String(text.utf8.dropLast()) ?? String(decoding: text.utf8.dropLast(), as: UTF8.self)
        joined += String(decoding: writer.bytes, as: UTF8.self)
        return RawJSONObject(validatedText: joined, depth: nesting, keys: sketch)
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
