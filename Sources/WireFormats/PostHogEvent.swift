// PostHogEvent: one PostHog event object to a RawEvent, following the wire README's table:
// `uuid` → event_id (a UUIDv7 when absent), `event` → event_name, `distinct_id` (or
// `properties.distinct_id`) → user_id, `properties` with top-level `$set`/`$set_once` merged in,
// the skew-corrected `timestamp`, and `$session_id` (v1: top-level `session_id`) → session_id.
// Every other top-level member is kept in properties.

import PipelineKit

/// Mapping of PostHog event objects.
enum PostHogEvent {
    /// Top-level members that map to a column or are merged; the rest go to properties.
    static let mapped: Set<String> = ["uuid", "event", "distinct_id", "timestamp", "properties", "$set", "$set_once", "session_id", "api_key", "token"]

    struct Mapping {
        var sentAt: Timestamp?
        var receivedAt: Timestamp
        /// v1 lifts `$session_id` to a top-level `session_id`.
        var sessionFromTopLevel: Bool

        func map(_ item: JSONValue, using generator: inout some RandomNumberGenerator) -> Result<RawEvent, ItemFailure> {
            guard case .object(let event) = item else { return .failure(ItemFailure(field: nil, "is a JSON \(item.typeName); expected an event object")) }
            guard let nameValue = event["event"], !nameValue.isNull else { return .failure(ItemFailure(field: "event", "is required (the event's name)")) }
            guard case .string(let name) = nameValue, !name.isEmpty else {
                return .failure(ItemFailure(field: "event", "must be a non-empty string, got \(ClockSkew.describe(nameValue))"))
            }
            var properties = JSONObject()
            switch event["properties"] {
            case nil, .null?: break
            case .object(let object)?: properties = object
            case let other?: return .failure(ItemFailure(field: "properties", "must be an object, got \(other.typeName)"))
            }
            guard let userID = event["distinct_id"]?.idText ?? properties["distinct_id"]?.idText else {
                return .failure(ItemFailure(field: "distinct_id", "is required (a non-empty string or number, at the top or in properties)"))
            }
            let eventID: String
            switch WireEventFields.eventID(event["uuid"], field: "uuid", receivedAt: receivedAt, using: &generator) {
            case .success(let id): eventID = id
            case .failure(let failure): return .failure(failure)
            }
            for key in ["$set", "$set_once"] {
                guard let value = event[key], !value.isNull else { continue }
                guard case .object(let top) = value else { return .failure(ItemFailure(field: key, "must be an object, got \(value.typeName)")) }
                var merged = properties.object(key) ?? JSONObject()
                for member in top { merged[member.key] = member.value }
                properties[key] = .object(merged)
            }
            let offset: Int64? = event["offset"].flatMap { if case .number(let number) = $0 { number.int64Value } else { nil } }
            let time: Timestamp
            switch WireEventFields.time(event["timestamp"], sentAt: sentAt, offsetMillis: offset, receivedAt: receivedAt, properties: &properties) {
            case .success(let resolved): time = resolved
            case .failure(let failure): return .failure(failure)
            }
            for member in event where !PostHogEvent.mapped.contains(member.key) && !member.value.isNullOrEmptyObject {
                properties.setIfAbsent(member.key, member.value)
            }
            let session =
                sessionFromTopLevel ? (event["session_id"]?.stringValue ?? properties["$session_id"]?.stringValue) : properties["$session_id"]?.stringValue
            return .success(WireEventFields.rawEvent(id: eventID, name: name, user: userID, properties: properties, time: time, session: session))
        }
    }
}
