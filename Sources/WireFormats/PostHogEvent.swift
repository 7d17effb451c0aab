// PostHogEvent: one PostHog event object to a RawEvent, following the wire README's table:
// `uuid` → event_id (a UUIDv7 when absent), `event` → event_name, `distinct_id` (or
// `properties.distinct_id`) → user_id, `properties` with top-level `$set`/`$set_once` merged in,
// the skew-corrected `timestamp`, and `$session_id` (v1: top-level `session_id`) → session_id.
// Every other top-level member is kept in properties. `map(_:properties:…)` does the same with
// the properties as text (RawJSONObject): what the table adds is spliced in as members.

import PipelineKit

/// Mapping of PostHog event objects.
enum PostHogEvent {
    /// Top-level members that map to a column or are merged; the rest go to properties.
    /// The properties member PostHog's SDKs put the session in; the parser notes it.
    static let sessionKey = "$session_id"
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

        /// `map(_:)` of `event` (without its `properties` member) whose properties object is
        /// `properties`, kept as text: the same fields, and the same properties once parsed.
        /// What the mapping adds (top-level `$set`/`$set_once`, the original timestamp, the
        /// unmapped members) is appended to the text; only merging a top-level `$set` into an
        /// existing `properties.$set` parses the properties (through `map(_:)`).
        func map(
            _ event: JSONObject, properties: RawJSONObject, using generator: inout some RandomNumberGenerator
        ) -> Result<RawEvent, ItemFailure> {
            for key in ["$set", "$set_once"] where event[key].map({ !$0.isNull }) == true && properties.hasMember(key) {
                var whole = event
                whole["properties"] = (try? JSONParser.parse(properties.text)) ?? .object([:])
                return map(.object(whole), using: &generator)
            }
            guard let nameValue = event["event"], !nameValue.isNull else { return .failure(ItemFailure(field: "event", "is required (the event's name)")) }
            guard case .string(let name) = nameValue, !name.isEmpty else {
                return .failure(ItemFailure(field: "event", "must be a non-empty string, got \(ClockSkew.describe(nameValue))"))
            }
            guard let userID = event["distinct_id"]?.idText ?? properties.member("distinct_id")?.idText else {
                return .failure(ItemFailure(field: "distinct_id", "is required (a non-empty string or number, at the top or in properties)"))
            }
            let eventID: String
            switch WireEventFields.eventID(event["uuid"], field: "uuid", receivedAt: receivedAt, using: &generator) {
            case .success(let id): eventID = id
            case .failure(let failure): return .failure(failure)
            }
            var added = JSONObject()
            for key in ["$set", "$set_once"] {
                guard let value = event[key], !value.isNull else { continue }
                guard case .object(let top) = value else { return .failure(ItemFailure(field: key, "must be an object, got \(value.typeName)")) }
                added[key] = .object(top)
            }
            let offset: Int64? = event["offset"].flatMap { if case .number(let number) = $0 { number.int64Value } else { nil } }
            let time: Timestamp
            switch ClockSkew.resolve(event["timestamp"], field: "timestamp", sentAt: sentAt, offsetMillis: offset, receivedAt: receivedAt) {
            case .success(let resolved):
                let original = ClockSkew.originalTimestampProperty
                if resolved.corrected, let value = event["timestamp"], added[original] == nil, !properties.hasMember(original) {
                    added[original] = value
                }
                time = resolved.time
            case .failure(let failure): return .failure(failure)
            }
            for member in event where !PostHogEvent.mapped.contains(member.key) && !member.value.isNullOrEmptyObject {
                if added[member.key] == nil, !properties.hasMember(member.key) { added[member.key] = member.value }
            }
            var session = sessionFromTopLevel ? event["session_id"]?.stringValue : nil
            if session == nil {
                // The parser noted `$session_id` while it checked the properties (`noteKey`).
                let sent = properties.noted ?? properties.member(PostHogEvent.sessionKey)
                session = (added["$session_id"] ?? sent)?.stringValue
            }
            return .success(
                WireEventFields.rawEvent(id: eventID, name: name, user: userID, rawProperties: properties.appending(added), time: time, session: session))
        }
    }
}
