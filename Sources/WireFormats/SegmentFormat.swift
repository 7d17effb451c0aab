// SegmentFormat: Segment tracking-API requests to WireBatch: `/v1/batch` and `/v1/import`
// (`{batch, sentAt, writeKey}`) and the single-message endpoints `/v1/track|identify|page|
// screen|group|alias`; key from Basic auth's user part or the body's `writeKey`. Each
// message's mapping is in SegmentMessage.swift.

public import NIOCore
import PipelineKit
public import WireDecoding

/// Decodes Segment requests.
public enum SegmentFormat {
    /// Segment refuses a message of more than 32 KiB (its SDKs' `MAX_MSG_SIZE`); so does SmolHog,
    /// that message alone.
    public static let maxMessageBytes = 32 * 1024

    /// Which endpoint a request came to.
    public enum Endpoint: String, Sendable, CaseIterable {
        /// `/v1/batch` or `/v1/import`: `{batch:[…]}`, each message with its `type`.
        case batch
        /// `/v1/track`: one message; `type` may be absent.
        case track
        /// `/v1/identify`.
        case identify
        /// `/v1/page`.
        case page
        /// `/v1/screen`.
        case screen
        /// `/v1/group`.
        case group
        /// `/v1/alias`.
        case alias
    }

    /// The body's `Content-Encoding` undone (gzip, deflate or none) within `limits`, then
    /// `decode(json:…)`.
    public static func decode(
        body: ByteBuffer, contentEncoding: String?, endpoint: Endpoint, limits: WireBodyLimits, context: WireRequestContext
    ) throws(WireDecodingError) -> WireBatch {
        let json = try ContentEncodingBody.decode(body, contentEncoding: contentEncoding, limits: limits)
        return try decode(json: json, endpoint: endpoint, context: context, limits: limits)
    }

    /// A JSON body's messages as raw events: `{batch:[…]}` for `.batch`, one message object
    /// for the others (its `type` must match the endpoint when present). `malformed` when the
    /// body is not JSON or not that shape. Cost: one parse plus one pass over the messages.
    /// With `limits`, at most `maxJSONValues` values are parsed and `maxItems` messages mapped.
    public static func decode(
        json: some Collection<UInt8>, endpoint: Endpoint, context: WireRequestContext, limits: WireBodyLimits? = nil
    ) throws(WireDecodingError) -> WireBatch {
        let root = try WireDecodingError.parse(json, format: "Segment", limits: limits)
        guard case .object(let envelope) = root else {
            throw WireDecodingError(.malformed, "Segment body is a JSON \(root.typeName); expected an object")
        }
        let items: [JSONValue]
        if endpoint == .batch {
            guard case .array(let messages)? = envelope["batch"] else {
                throw WireDecodingError(.malformed, "Segment batch body has no 'batch' array; expected {\"batch\":[…], \"sentAt\":…, \"writeKey\":…}")
            }
            items = messages
        } else {
            items = [root]
        }
        if let limits, items.count > limits.maxItems { throw limits.tooManyItems(items.count) }
        var batch = WireBatch(apiKey: basicUser(context.authorization) ?? envelope["writeKey"]?.idText)
        batch.sentAt = envelope["sentAt"].flatMap(ClockSkew.parseTime)
        var generator = SystemRandomNumberGenerator()
        let mapping = SegmentMessage.Mapping(sentAt: batch.sentAt, receivedAt: context.receivedAt, endpointType: endpoint == .batch ? nil : endpoint.rawValue)
        batch.events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            batch.append(mapping.map(item, using: &generator), index: index)
        }
        return batch
    }

    /// The user part of `Authorization: Basic base64(USER:PASSWORD)` (Segment's write key),
    /// nil for another scheme, bad base64 or an empty user.
    public static func basicUser(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic", let decoded = try? Base64Body.decode(Array(parts[1].utf8)) else { return nil }
        let user = decoded.prefix { $0 != UInt8(ascii: ":") }
        return user.isEmpty ? nil : String(decoding: user, as: UTF8.self)
    }
}
