// SegmentMessage: one Segment message to a RawEvent, following the wire README's table:
// `messageId` → event_id, track's `event` / page `$pageview` / screen `$screen` / identify
// `$identify` / alias `$create_alias` / group `$groupidentify` → event_name, `userId ??
// anonymousId` (alias: `previousId`) → user_id, the skew-corrected `timestamp`, a session from
// `properties.$session_id`, `properties.session_id` or `context.sessionId`. Every other member
// (context, traits, both ids, integrations, …) is kept in properties.

import PipelineKit

/// Mapping of Segment messages.
enum SegmentMessage {
    /// The `$group_type` of a Segment group call, which has no group type of its own.
    static let groupType = "group"

    /// Members that map to a column or are consumed by the type's mapping.
    static let mapped: Set<String> = ["type", "event", "messageId", "timestamp", "properties", "sentAt", "writeKey"]

    struct Mapping {
        var sentAt: Timestamp?
        var receivedAt: Timestamp
        /// The type a single-message endpoint implies; nil for a batch.
        var endpointType: String?

        func map(_ item: JSONValue, using generator: inout some RandomNumberGenerator) -> Result<RawEvent, ItemFailure> {
            guard case .object(let message) = item else { return .failure(ItemFailure(field: nil, "is a JSON \(item.typeName); expected a message object")) }
            let size = item.approximateJSONSize
            guard size <= SegmentFormat.maxMessageBytes else {
                return .failure(ItemFailure(field: nil, "is about \(size) bytes of JSON; a Segment message is at most \(SegmentFormat.maxMessageBytes) bytes"))
            }
            let type: String
            switch (message["type"], endpointType) {
            case (.string(let sent)?, let implied?) where sent != implied:
                return .failure(ItemFailure(field: "type", "is '\(sent.prefix(40))' but the endpoint is /v1/\(implied); expected '\(implied)' or no type"))
            case (.string(let sent)?, _): type = sent
            case (nil, let implied?), (.null?, let implied?): type = implied
            case (let other, _):
                return .failure(
                    ItemFailure(field: "type", "must be one of track, page, screen, identify, group, alias; got \(other.map(ClockSkew.describe) ?? "nothing")"))
            }
            var properties = JSONObject()
            var consumed = SegmentMessage.mapped
            let name: String
            var userID = message["userId"]?.idText ?? message["anonymousId"]?.idText
            var userField = "userId"
            let traits = message.object("traits") ?? message.object("context")?.object("traits")
            switch type {
            case "track", "page", "screen":
                switch message["properties"] {
                case nil, .null?: break
                case .object(let object)?: properties = object
                case let other?: return .failure(ItemFailure(field: "properties", "must be an object, got \(other.typeName)"))
                }
                if type == "track" {
                    guard case .string(let event)? = message["event"], !event.isEmpty else {
                        return .failure(ItemFailure(field: "event", "is required for a track message (a non-empty string)"))
                    }
                    name = event
                } else {
                    name = type == "page" ? "$pageview" : "$screen"
                    for key in ["name", "category"] {
                        if let value = message[key], !value.isNull { properties.setIfAbsent(key, value) }
                        consumed.insert(key)
                    }
                }
            case "identify":
                name = "$identify"
                if let traits { properties["$set"] = .object(traits) }
                if message.object("traits") != nil { consumed.insert("traits") }
            case "group":
                name = "$groupidentify"
                guard let groupKey = message["groupId"]?.idText else { return .failure(ItemFailure(field: "groupId", "is required for a group message")) }
                properties["$group_type"] = .string(SegmentMessage.groupType)
                properties["$group_key"] = .string(groupKey)
                properties["$group_set"] = .object(message.object("traits") ?? [:])
                consumed.formUnion(["groupId", "traits"])
            case "alias":
                name = "$create_alias"
                guard let previous = message["previousId"]?.idText else {
                    return .failure(ItemFailure(field: "previousId", "is required for an alias message"))
                }
                guard let newID = message["userId"]?.idText else { return .failure(ItemFailure(field: "userId", "is required for an alias message")) }
                properties["alias"] = .string(newID)
                userID = previous
                userField = "previousId"
            default:
                return .failure(
                    ItemFailure(field: "type", "'\(type.prefix(40))' is not a Segment message type; expected track, page, screen, identify, group or alias"))
            }
            guard let userID else {
                return .failure(ItemFailure(field: userField, "userId or anonymousId is required (a non-empty string or number)"))
            }
            let eventID: String
            switch WireEventFields.eventID(message["messageId"], field: "messageId", receivedAt: receivedAt, using: &generator) {
            case .success(let id): eventID = id
            case .failure(let failure): return .failure(failure)
            }
            let time: Timestamp
            switch WireEventFields.time(message["timestamp"], sentAt: sentAt, offsetMillis: nil, receivedAt: receivedAt, properties: &properties) {
            case .success(let resolved): time = resolved
            case .failure(let failure): return .failure(failure)
            }
            for member in message where !consumed.contains(member.key) && !member.value.isNullOrEmptyObject {
                properties.setIfAbsent(member.key, member.value)
            }
            // Both ids are kept, even when one is null.
            for key in ["userId", "anonymousId"] where message[key] != nil { properties.setIfAbsent(key, message[key] ?? .null) }
            let session =
                properties["$session_id"]?.stringValue ?? properties["session_id"]?.stringValue ?? message.object("context")?["sessionId"]?.stringValue
            return .success(WireEventFields.rawEvent(id: eventID, name: name, user: userID, properties: properties, time: time, session: session))
        }
    }
}
