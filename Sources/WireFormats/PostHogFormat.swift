// PostHogFormat: PostHog capture requests to WireBatch. The envelopes: v0 (`/batch`, `/e`,
// `/capture`, `/track`, `/engage`, `/i/v0/e`: one event, an array, `{batch:[…]}` or `{data:…}`,
// key in `api_key`/`token`, the events' `properties.token` or `Authorization: Bearer`) and v1
// (`/i/v1/analytics/events`: `{created_at, batch}`, Bearer key). Each event's mapping is in
// PostHogEvent.swift.

import PipelineKit
public import WireDecoding

/// Decodes PostHog capture requests.
public enum PostHogFormat {
    /// Which of PostHog's capture APIs a request came to.
    public enum Version: Sendable {
        /// `/batch`, `/e`, `/capture`, `/track`, `/engage`, `/i/v0/e`.
        case v0
        /// `/i/v1/analytics/events`.
        case v1
    }

    /// The request's body decoded (`PostHogBody.decode`) and mapped (`decode(json:…)`).
    /// Throws for the request as a whole; each event's problems are rejections.
    public static func decode(
        _ request: PostHogBodyRequest, version: Version, limits: WireBodyLimits, context: WireRequestContext
    ) throws(WireDecodingError) -> WireBatch {
        let json = try PostHogBody.decode(request, limits: limits)
        return try decode(json: json, version: version, context: context, limits: limits)
    }

    /// A JSON body's events as raw events. v0 takes a single event object, an array of
    /// events, `{batch:[…]}` or `{data: event or array}`; v1 takes `{created_at, batch}`.
    /// `malformed` when the body is not JSON or holds no events in any of these shapes.
    /// Cost: one parse into a tree plus one pass over the events.
    /// With `limits`, at most `maxJSONValues` values are parsed and `maxItems` events mapped.
    public static func decode(
        json: some Collection<UInt8>, version: Version, context: WireRequestContext, limits: WireBodyLimits? = nil
    ) throws(WireDecodingError) -> WireBatch {
        let root = try WireDecodingError.parse(json, format: "PostHog", limits: limits)
        var envelope = JSONObject()
        let items: [JSONValue]
        switch root {
        case .array(let events) where version == .v0: items = events
        case .object(let object):
            envelope = object
            if let batch = object["batch"] {
                guard case .array(let events) = batch else {
                    throw WireDecodingError(.malformed, "PostHog body: 'batch' is \(batch.typeName); expected an array of events")
                }
                items = events
            } else if version == .v0, let data = object["data"] {
                switch data {
                case .array(let events): items = events
                case .object(let event): items = [.object(event)]
                default: throw WireDecodingError(.malformed, "PostHog body: 'data' is \(data.typeName); expected an event object or an array of events")
                }
            } else if version == .v0, object["event"] != nil {
                items = [root]
            } else {
                throw WireDecodingError(
                    .malformed,
                    version == .v0
                        ? "PostHog body is an object without 'batch', 'data' or 'event'; expected an event, an array of events, {\"batch\":[…]} or {\"data\":…}"
                        : "PostHog v1 body has no 'batch'; expected {\"created_at\":…, \"batch\":[…]}")
            }
        default:
            throw WireDecodingError(.malformed, "PostHog body is a JSON \(root.typeName); expected an event object, an array of events or {\"batch\":[…]}")
        }
        if let limits, items.count > limits.maxItems { throw limits.tooManyItems(items.count) }
        let sentAtField = version == .v0 ? "sent_at" : "created_at"
        var batch = WireBatch(apiKey: apiKey(envelope: envelope, items: items, authorization: context.authorization))
        batch.sentAt = envelope[sentAtField].flatMap(ClockSkew.parseTime) ?? FormBody.queryValue("_", in: context.query).flatMap(millisecondsTime)
        var generator = SystemRandomNumberGenerator()
        let mapping = PostHogEvent.Mapping(
            sentAt: batch.sentAt, receivedAt: context.receivedAt, sessionFromTopLevel: version == .v1)
        batch.events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            batch.append(mapping.map(item, using: &generator), index: index)
        }
        return batch
    }

    /// The project key: the body's `api_key` or `token`, else the first event's `api_key`,
    /// `token` or `properties.token`, else a `Bearer` credential.
    static func apiKey(envelope: JSONObject, items: [JSONValue], authorization: String?) -> String? {
        if let key = envelope["api_key"]?.idText ?? envelope["token"]?.idText { return key }
        if let first = items.first?.objectValue {
            if let key = first["api_key"]?.idText ?? first["token"]?.idText ?? first.object("properties")?["token"]?.idText { return key }
        }
        return bearerToken(authorization)
    }

    /// The credential of `Authorization: Bearer KEY`, nil for any other scheme.
    public static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1]).trimming(" \t")
        return token.isEmpty ? nil : token
    }

    /// posthog-js's `_=<ms since the epoch>`.
    private static func millisecondsTime(_ text: String) -> Timestamp? {
        guard let millis = Int64(text), millis.magnitude < 1 << 50 else { return nil }
        return Timestamp(microseconds: millis * 1000)
    }
}
