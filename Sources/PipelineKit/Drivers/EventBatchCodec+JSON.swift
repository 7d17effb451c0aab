// Version 1 of the queue message (UTF-8 JSON), read only: messages an older build queued
// must still drain after an upgrade. New messages are version 3 (EventBatchCodec.swift).

extension EventBatchCodec {
    /// Format, version 1:
    /// ```json
    /// {"v":1,"events":[{"event_id":"…","event_name":"…","user_id":"…","properties":{…},
    ///   "timestamp":"2024-05-06T07:08:09.123456Z","session_id":"…"|null,"received_at":"…"}]}
    /// ```
    static func decodeJSONVersion1(_ bytes: [UInt8]) throws(CodecError) -> [Event] {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { throw CodecError("message is not JSON: \(error)") }
        guard case .object(let object) = root else { throw CodecError("message is not a JSON object") }
        guard case .number(let number) = object["v"] ?? .null, let version = number.int64Value else {
            throw CodecError("message has no version field 'v'")
        }
        guard version == 1 else { throw CodecError("message version \(version) is not supported (this build reads versions 1 to \(Self.version))") }
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
