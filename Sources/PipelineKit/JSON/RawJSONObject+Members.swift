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
        return appending(rendered: [RenderedMembers(members)])
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

/// Object members written once as compact JSON text (`"k":v,"k2":v2`, no braces), with what
/// splicing them into an object needs: their keys for the key sketch, their nesting depth,
/// and the members themselves for an object held as a tree. A stage that adds the same members
/// to many events (a user agent's browser and OS) keeps these in a cache and splices the text.
package struct RenderedMembers: Sendable {
    /// The members, as a tree.
    package let members: JSONObject
    /// Their compact JSON text, without braces.
    package let text: String
    let keyBytes: [[UInt8]]
    let depth: Int

    /// Renders `members`.
    package init(_ members: JSONObject) {
        var writer = JSONWriter(capacity: 32 * members.count)
        var keys: [[UInt8]] = []
        var depth = 0
        for (position, member) in members.enumerated() {
            if position > 0 { writer.writeRaw(CollectionOfOne(UInt8(ascii: ","))) }
            let keyStart = writer.bytes.count + 1
            writer.write(string: member.key)
            keys.append(Array(writer.bytes[keyStart..<writer.bytes.count - 1]))
            writer.writeRaw(CollectionOfOne(UInt8(ascii: ":")))
            writer.write(member.value)
            depth = max(depth, member.value.depth)
        }
        self.members = members
        text = String(decoding: writer.bytes, as: UTF8.self)
        keyBytes = keys
        self.depth = depth
    }
}

extension RawJSONObject {
    /// This object with each of `parts` spliced in after its own members: the object's text and
    /// the parts' are joined as Strings, nothing is rendered or checked again. The caller keeps
    /// the keys distinct from the object's own, as for `appending(_:)`.
    package func appending(rendered parts: [RenderedMembers]) -> RawJSONObject {
        let parts = parts.filter { !$0.members.isEmpty }
        guard !parts.isEmpty else { return self }
        var joined = ""
        joined.reserveCapacity(text.utf8.count + parts.reduce(0) { $0 + $1.text.utf8.count + 1 })
        // Whole Strings are appended as bytes; a Substring would be appended by Characters.
        joined += text
        joined.removeLast()
        var sketch = keys
        var nesting = depth
        var first = text.utf8.count <= 2
        for part in parts {
            if !first { joined += "," }
            first = false
            joined += part.text
            for key in part.keyBytes { key.withUnsafeBufferPointer { sketch.insert(raw: $0) } }
            nesting = max(nesting, 1 + part.depth)
        }
        joined += "}"
        return RawJSONObject(validatedText: joined, depth: nesting, keys: sketch)
    }
}
