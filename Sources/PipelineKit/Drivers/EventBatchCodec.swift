// EventBatchCodec: the message format on the queue (embedded and RabbitMQ alike). Owns the
// format and its version; nothing else encodes events for the queue.

/// Encodes events into one queue message and back.
///
/// Format, version 1 (UTF-8 JSON):
/// ```json
/// {"v":1,"events":[{"event_id":"…","event_name":"…","user_id":"…","properties":{…},
///   "timestamp":"2024-05-06T07:08:09.123456Z","session_id":"…"|null,"received_at":"…"}]}
/// ```
/// A reader rejects versions it does not know, so a message from a newer writer goes to the
/// dead-letter queue instead of being misread.
public enum EventBatchCodec {
    public static let version = 1

    public static func encode(_ events: [Event]) -> [UInt8] {
        var writer = JSONWriter(capacity: events.count * 400 + 32)
        writer.writeRaw("{\"v\":1,\"events\":[")
        for (position, event) in events.enumerated() {
            if position > 0 { writer.writeRaw(",") }
            writer.writeRaw("{\"event_id\":")
            writer.write(string: event.eventID)
            writer.writeRaw(",\"event_name\":")
            writer.write(string: event.eventName)
            writer.writeRaw(",\"user_id\":")
            writer.write(string: event.userID)
            writer.writeRaw(",\"properties\":")
            writer.write(object: event.properties)
            writer.writeRaw(",\"timestamp\":\"")
            writer.writeRaw(event.timestamp.iso8601)
            writer.writeRaw("\",\"session_id\":")
            if let session = event.sessionID { writer.write(string: session) } else { writer.writeRaw("null") }
            writer.writeRaw(",\"received_at\":\"")
            writer.writeRaw(event.receivedAt.iso8601)
            writer.writeRaw("\"}")
        }
        writer.writeRaw("]}")
        return writer.bytes
    }

    /// Decodes a message; throws `CodecError` naming what is wrong (the message is poison).
    public static func decode(_ bytes: [UInt8]) throws(CodecError) -> [Event] {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { throw CodecError("message is not JSON: \(error)") }
        guard case .object(let object) = root else { throw CodecError("message is not a JSON object") }
        guard case .number(let number) = object["v"] ?? .null, let version = number.int64Value else {
            throw CodecError("message has no version field 'v'")
        }
        guard version == Int64(Self.version) else { throw CodecError("message version \(version) is not supported (this build reads version \(Self.version))") }
        guard case .array(let items) = object["events"] ?? .null else { throw CodecError("message has no 'events' array") }
        var events: [Event] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item,
                let eventID = fields["event_id"]?.stringValue,
                let eventName = fields["event_name"]?.stringValue,
                let userID = fields["user_id"]?.stringValue,
                let properties = fields["properties"]?.objectValue,
                let timestamp = fields["timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
                let receivedAt = fields["received_at"]?.stringValue.flatMap(Timestamp.init(iso8601:))
            else { throw CodecError("events[\(index)] is missing a field or has one of the wrong type") }
            events.append(
                Event(
                    eventID: eventID, eventName: eventName, userID: userID, properties: properties, timestamp: timestamp,
                    sessionID: fields["session_id"]?.stringValue, receivedAt: receivedAt))
        }
        return events
    }
}

/// A queue message that cannot be decoded.
public struct CodecError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
