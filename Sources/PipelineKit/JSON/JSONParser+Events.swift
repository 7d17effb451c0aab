// JSONParser for request bodies that carry events in an array member (`{"events": [...]}`;
// PostHog's and Segment's `batch` have the same shape): everything is parsed as usual except
// each event's properties, which are checked and kept as compact text (RawJSONObject).

/// A body parsed by `JSONParser.parseEventArray`.
package struct EventArrayBody: Sendable {
    /// The top-level object, without the array member when it was an array.
    package var root: JSONObject
    /// The array's items (event objects without their properties member, or any other
    /// value, for the caller to reject); nil when the member is absent or not an array.
    package var items: [JSONValue]?
    /// Per item, the properties object as text when the item had one.
    package var properties: [RawJSONObject?]
    /// The top-level object's own properties member as text, when `parseEventArray` was asked
    /// to keep it (`rootProperties`) and it was an object (a single event sent as the body).
    package var rootProperties: RawJSONObject? = nil
}

extension JSONParser {
    /// Parses `{…, arrayKey: [event, …], …}`. Accepts and rejects exactly the documents
    /// `parse` does (same errors and positions); a body of another shape comes back with
    /// `items == nil` and everything in `root`, or as `value` when it is not an object.
    /// Parsing stops at the array's item after `maxItems` (an error whose `itemLimit` is
    /// set), so refusing an oversized batch costs what `maxItems` items cost, whatever the
    /// body holds after them. With `arrayRoot`, a body that is an array is read as the
    /// events array itself (`root` empty); with `rootProperties`, the top-level object's
    /// `propertiesKey` member is kept as text too (in `rootProperties`, out of `root`).
    /// `limits.maxValues` counts the values built, not those kept as text. With `noteKey`,
    /// each properties object kept as text also carries that member's value
    /// (`RawJSONObject.noted`), found on the way.
    package static func parseEventArray(
        _ bytes: some Collection<UInt8>, arrayKey: String, propertiesKey: String = "properties", limits: JSONParserLimits = .init(),
        maxItems: Int = .max, arrayRoot: Bool = false, rootProperties: Bool = false, noteKey: String? = nil
    ) throws(JSONParseError) -> (body: EventArrayBody, value: JSONValue?) {
        try document(bytes, limits: limits) { reader throws(ByteReader.Failure) in
            reader.noteKey = noteKey.map { Array($0.utf8) }
            if arrayRoot, reader.next == UInt8(ascii: "[") {
                let events = try reader.parseEvents(depth: 1, propertiesKey: propertiesKey, maxItems: maxItems)
                return (EventArrayBody(root: [:], items: events.items, properties: events.properties), nil)
            }
            guard reader.next == UInt8(ascii: "{") else { return (EventArrayBody(root: [:], items: nil, properties: []), try reader.parseValue(depth: 0)) }
            var events: (items: [JSONValue], properties: [RawJSONObject?])?
            var ownProperties: RawJSONObject?
            let root = try reader.parseObject(depth: 1) { key, reader throws(ByteReader.Failure) in
                if rootProperties, key == propertiesKey {
                    ownProperties = nil
                    guard reader.next == UInt8(ascii: "{") else { return false }
                    ownProperties = try reader.captureObject(depth: 1)
                    return true
                }
                guard key == arrayKey else { return false }
                events = nil
                guard reader.next == UInt8(ascii: "[") else { return false }
                events = try reader.parseEvents(depth: 2, propertiesKey: propertiesKey, maxItems: maxItems)
                return true
            }
            return (EventArrayBody(root: root, items: events?.items, properties: events?.properties ?? [], rootProperties: ownProperties), nil)
        }
    }
}

extension ByteReader {
    /// The events array: objects keep their properties as text, other items are parsed.
    mutating func parseEvents(depth: Int, propertiesKey: String, maxItems: Int) throws(Failure) -> (items: [JSONValue], properties: [RawJSONObject?]) {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var items: [JSONValue] = []
        var properties: [RawJSONObject?] = []
        skipWhitespace()
        if next == UInt8(ascii: "]") {
            index += 1
            return (items, properties)
        }
        while true {
            skipWhitespace()
            if items.count == maxItems {
                var failure = error("more than \(maxItems) items in the events array")
                failure.itemLimit = maxItems
                throw failure
            }
            var raw: RawJSONObject?
            if next == UInt8(ascii: "{") {
                let object = try parseObject(depth: depth + 1) { key, reader throws(Failure) in
                    guard key == propertiesKey else { return false }
                    raw = nil
                    guard reader.next == UInt8(ascii: "{") else { return false }
                    raw = try reader.captureObject(depth: depth + 1)
                    return true
                }
                items.append(.object(object))
            } else {
                items.append(try parseValue(depth: depth))
            }
            properties.append(raw)
            if try endOfMember(closing: UInt8(ascii: "]")) { return (items, properties) }
        }
    }
}
