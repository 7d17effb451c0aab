// JSONParser for request bodies that carry events in an array member (`{"events": [...]}`;
// PostHog's and Segment's `batch` have the same shape): everything is parsed as usual except
// each event's properties, which are checked and kept as compact text (RawJSONObject).

/// A body parsed by `JSONParser.parseEventArray`.
public struct EventArrayBody: Sendable {
    /// The top-level object, without the array member when it was an array.
    public var root: JSONObject
    /// The array's items (event objects without their properties member, or any other
    /// value, for the caller to reject); nil when the member is absent or not an array.
    public var items: [JSONValue]?
    /// Per item, the properties object as text when the item had one.
    public var properties: [RawJSONObject?]
}

extension JSONParser {
    /// Parses `{…, arrayKey: [event, …], …}`. Accepts and rejects exactly the documents
    /// `parse` does (same errors and positions); a body of another shape comes back with
    /// `items == nil` and everything in `root` (or `root` empty when it is not an object).
    public static func parseEventArray(
        _ bytes: some Collection<UInt8>, arrayKey: String, propertiesKey: String = "properties", limits: JSONParserLimits = .init()
    ) throws(JSONParseError) -> (body: EventArrayBody, value: JSONValue?) {
        let result: Result<(EventArrayBody, JSONValue?), JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            parseEventArrayBuffer(buffer, arrayKey: arrayKey, propertiesKey: propertiesKey, limits: limits)
        }
        switch result ?? Array(bytes).withUnsafeBufferPointer({ parseEventArrayBuffer($0, arrayKey: arrayKey, propertiesKey: propertiesKey, limits: limits) })
        {
        case .success(let parsed): return (parsed.0, parsed.1)
        case .failure(let error): throw error
        }
    }

    static func parseEventArrayBuffer(
        _ buffer: UnsafeBufferPointer<UInt8>, arrayKey: String, propertiesKey: String, limits: JSONParserLimits
    ) -> Result<(EventArrayBody, JSONValue?), JSONParseError> {
        var reader = ByteReader(buffer: buffer, maxDepth: limits.maxDepth)
        do {
            reader.skipWhitespace()
            var body = EventArrayBody(root: [:], items: nil, properties: [])
            var events = EventArrayBody(root: [:], items: nil, properties: [])
            var other: JSONValue?
            if reader.index < buffer.count, buffer[reader.index] == UInt8(ascii: "{") {
                let (root, arrayWasLast) = try reader.parseObject(depth: 1, keepingArray: arrayKey) { reader throws(ByteReader.Failure) in
                    try reader.parseEvents(depth: 2, propertiesKey: propertiesKey, into: &events)
                }
                body.root = root
                if arrayWasLast {
                    body.items = events.items
                    body.properties = events.properties
                }
            } else {
                other = try reader.parseValue(depth: 0)
            }
            reader.skipWhitespace()
            if reader.index < buffer.count { throw reader.error("unexpected content after the JSON value") }
            return .success((body, other))
        } catch let failure as ByteReader.Failure {
            return .failure(reader.locate(failure))
        } catch {
            return .failure(JSONParseError(reason: "\(error)", offset: 0, line: 1, column: 1))
        }
    }
}

extension ByteReader {
    /// The root object, handing the member `arrayKey` to `parseArray` when it is an array
    /// (it is then left out of the returned members). As everywhere, the last duplicate of a
    /// key wins: `arrayWasLast` says whether that was an array handed over.
    mutating func parseObject(
        depth: Int, keepingArray arrayKey: String, parseArray: (inout ByteReader) throws(Failure) -> Void
    ) throws(Failure) -> (members: JSONObject, arrayWasLast: Bool) {
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        var arrayWasLast = false
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return (JSONObject(members), false)
        }
        while true {
            let key = try parseMemberKey()
            members.removeAll { $0.key == key }
            if key == arrayKey, index < buffer.count, buffer[index] == UInt8(ascii: "[") {
                try parseArray(&self)
                arrayWasLast = true
            } else {
                if key == arrayKey { arrayWasLast = false }
                members.append((key: key, value: try parseValue(depth: depth)))
            }
            if try endOfMember(closing: UInt8(ascii: "}")) { return (JSONObject(members), arrayWasLast) }
        }
    }

    /// The events array: objects keep their properties as text, other items are parsed.
    mutating func parseEvents(depth: Int, propertiesKey: String, into body: inout EventArrayBody) throws(Failure) {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var items: [JSONValue] = []
        var properties: [RawJSONObject?] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                if index < buffer.count, buffer[index] == UInt8(ascii: "{") {
                    var raw: RawJSONObject?
                    items.append(.object(try parseObject(depth: depth + 1, keepingRaw: propertiesKey, raw: &raw)))
                    properties.append(raw)
                } else {
                    items.append(try parseValue(depth: depth))
                    properties.append(nil)
                }
                if try endOfMember(closing: UInt8(ascii: "]")) { break }
            }
        }
        body.items = items
        body.properties = properties
    }
}
