// WireEventFields: the steps every wire format's message mapping shares: the event id (a
// UUIDv7 when absent), the skew-corrected time with the original kept, and the RawEvent
// under SmolHog's field names.

import PipelineKit

/// Shared steps of the PostHog and Segment mappings.
enum WireEventFields {
    /// The id in `value` (a string or number), a new UUIDv7 of `receivedAt` when absent or null.
    static func eventID(
        _ value: JSONValue?, field: String, receivedAt: Timestamp, using generator: inout some RandomNumberGenerator
    ) -> Result<String, ItemFailure> {
        switch value {
        case nil, .null?: return .success(UUIDv7.string(at: receivedAt, using: &generator))
        case let value?:
            guard let text = value.idText else { return .failure(ItemFailure(field: field, "must be a non-empty string, got \(ClockSkew.describe(value))")) }
            return .success(text)
        }
    }

    /// The corrected time (`ClockSkew.resolve`); a changed client value is kept in
    /// `properties[ClockSkew.originalTimestampProperty]`.
    static func time(
        _ value: JSONValue?, sentAt: Timestamp?, offsetMillis: Int64?, receivedAt: Timestamp, properties: inout JSONObject
    ) -> Result<Timestamp, ItemFailure> {
        switch ClockSkew.resolve(value, field: "timestamp", sentAt: sentAt, offsetMillis: offsetMillis, receivedAt: receivedAt) {
        case .success(let resolved):
            if resolved.corrected, let value { properties.setIfAbsent(ClockSkew.originalTimestampProperty, value) }
            return .success(resolved.time)
        case .failure(let failure): return .failure(failure)
        }
    }

    /// The raw event `validate` reads: `timestamp` as ISO-8601 text, `session_id` only when
    /// a non-empty string.
    static func rawEvent(id: String, name: String, user: String, properties: JSONObject, time: Timestamp, session: String?) -> RawEvent {
        var fields: JSONObject = [
            "event_id": .string(id), "event_name": .string(name), "user_id": .string(user), "properties": .object(properties),
            "timestamp": .string(time.iso8601),
        ]
        if let session, !session.isEmpty { fields["session_id"] = .string(session) }
        var event = RawEvent(fields: fields)
        event.resolvedTimestamp = time
        return event
    }

    /// `rawEvent(…properties:…)` with the properties kept as text (`RawEvent.rawProperties`).
    static func rawEvent(id: String, name: String, user: String, rawProperties: RawJSONObject, time: Timestamp, session: String?) -> RawEvent {
        var fields: JSONObject = ["event_id": .string(id), "event_name": .string(name), "user_id": .string(user), "timestamp": .string(time.iso8601)]
        if let session, !session.isEmpty { fields["session_id"] = .string(session) }
        var event = RawEvent(fields: fields, rawProperties: rawProperties)
        event.resolvedTimestamp = time
        return event
    }
}
