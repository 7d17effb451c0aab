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
    /// Cost: one parse plus one pass over the events; an array of events, `{batch:[…]}` and a
    /// single event keep each event's properties as text (`RawEvent.rawProperties`), other
    /// shapes are parsed into a tree. With `limits`, at most `maxJSONValues` values are built
    /// (properties kept as text are bounded by `maxBytes`), and parsing stops at the event
    /// after `maxItems` (`tooLarge`).
    public static func decode(
        json: some Collection<UInt8>, version: Version, context: WireRequestContext, limits: WireBodyLimits? = nil
    ) throws(WireDecodingError) -> WireBatch {
        if let batch = try decodeKeepingProperties(json: json, version: version, context: context, limits: limits) { return batch }
        return try decodeTree(json: json, version: version, context: context, limits: limits)
    }

    /// The body's events with their properties as text, or nil for a shape this does not
    /// read (`{data:…}`, or none of the accepted ones): `decodeTree` then decides.
    static func decodeKeepingProperties(
        json: some Collection<UInt8>, version: Version, context: WireRequestContext, limits: WireBodyLimits?
    ) throws(WireDecodingError) -> WireBatch? {
        let parsed: (body: EventArrayBody, value: JSONValue?)
        do {
            parsed = try JSONParser.parseEventArray(
                json, arrayKey: "batch", limits: JSONParserLimits(maxValues: limits?.maxJSONValues ?? .max), maxItems: limits?.maxItems ?? .max,
                arrayRoot: version == .v0, rootProperties: version == .v0, noteKey: PostHogEvent.sessionKey)
        } catch {
            throw WireDecodingError(parsing: error, format: "PostHog", limits: limits)
        }
        guard parsed.value == nil else { return nil }
        let body = parsed.body
        let items: [JSONValue]
        let properties: [RawJSONObject?]
        if let events = body.items {
            items = events
            properties = body.properties
        } else if version == .v0, body.root["batch"] == nil, body.root["data"] == nil, body.root["event"] != nil {
            items = [.object(body.root)]
            properties = [body.rootProperties]
        } else {
            return nil
        }
        if let limits, items.count > limits.maxItems { throw limits.tooManyItems(items.count) }
        let envelope = body.root
        var batch = WireBatch(
            apiKey: apiKey(envelope: envelope, first: items.first?.objectValue, firstProperties: properties.first ?? nil)
                ?? bearerToken(context.authorization))
        batch.sentAt = sentAt(envelope: envelope, version: version, context: context)
        var generator = SystemRandomNumberGenerator()
        let mapping = PostHogEvent.Mapping(sentAt: batch.sentAt, receivedAt: context.receivedAt, sessionFromTopLevel: version == .v1)
        batch.events.reserveCapacity(items.count)
        for index in items.indices {
            let raw = index < properties.count ? properties[index] : nil
            if let raw, case .object(let event) = items[index] {
                batch.append(mapping.map(event, properties: raw, using: &generator), index: index)
            } else {
                batch.append(mapping.map(items[index], using: &generator), index: index)
            }
        }
        return batch
    }

    /// `decode(json:…)` through one tree of the whole body: every shape, properties as trees.
    package static func decodeTree(
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
        var batch = WireBatch(apiKey: apiKey(envelope: envelope, first: items.first?.objectValue, firstProperties: nil) ?? bearerToken(context.authorization))
        batch.sentAt = sentAt(envelope: envelope, version: version, context: context)
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
    /// `token` or `properties.token` (`firstProperties` when its properties are text), else
    /// nil (the caller then takes a `Bearer` credential).
    static func apiKey(envelope: JSONObject, first: JSONObject?, firstProperties: RawJSONObject?) -> String? {
        if let key = envelope["api_key"]?.idText ?? envelope["token"]?.idText { return key }
        guard let first else { return nil }
        if let key = first["api_key"]?.idText ?? first["token"]?.idText { return key }
        return (firstProperties?.member("token") ?? first.object("properties")?["token"])?.idText
    }

    /// The envelope's `sent_at` (v1: `created_at`), else posthog-js's `_` query.
    static func sentAt(envelope: JSONObject, version: Version, context: WireRequestContext) -> Timestamp? {
        envelope[version == .v0 ? "sent_at" : "created_at"].flatMap(ClockSkew.parseTime)
            ?? FormBody.queryValue("_", in: context.query).flatMap(millisecondsTime)
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
