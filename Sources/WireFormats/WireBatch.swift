// WireBatch: what a wire format's decoder hands its source: the request's key, the
// envelope's sent-at, and per message either a RawEvent under SmolHog's field names or a
// rejection at the message's index. A request refused whole throws WireDecodingError.

public import PipelineKit
import WireDecoding

/// The request parts a wire format reads beside the body.
public struct WireRequestContext: Sendable {
    /// When the request arrived: the base of clock-skew correction and the default timestamp.
    public var receivedAt: Timestamp
    /// The `Authorization` header, if any (`Bearer KEY`, or `Basic base64(KEY:)` for Segment).
    public var authorization: String?
    /// The URL's query text after `?`, undecoded (posthog-js sends its clock as `_=<ms>`).
    public var query: String?

    /// The context of a request that arrived at `receivedAt`.
    public init(receivedAt: Timestamp, authorization: String? = nil, query: String? = nil) {
        self.receivedAt = receivedAt
        self.authorization = authorization
        self.query = query
    }
}

/// A request's messages as SmolHog raw events, plus what the envelope said.
public struct WireBatch: Sendable {
    /// The project key the request carries (body, events or `Authorization`), nil when none.
    public var apiKey: String?
    /// The client's clock when it sent the request (the envelope's `sent_at`, `created_at`,
    /// `sentAt`, or posthog-js's `_` query), nil when absent or unreadable.
    public var sentAt: Timestamp?
    /// The messages that mapped, each with SmolHog field names (`event_id`, `event_name`,
    /// `user_id`, `properties`, `timestamp` as ISO-8601 text, `session_id`).
    public var events: [RawEvent]
    /// For each event, its index among the request's messages.
    public var origins: [Int]
    /// The messages that could not be mapped, each at its index, with the wire field and why.
    public var rejections: [Rejection]
    /// How many messages the request held (`events.count + rejections.count`).
    public var messageCount: Int

    /// An empty batch; the decoders fill it.
    public init(apiKey: String? = nil, sentAt: Timestamp? = nil) {
        self.apiKey = apiKey
        self.sentAt = sentAt
        self.events = []
        self.origins = []
        self.rejections = []
        self.messageCount = 0
    }

    /// The events as the pipeline's batch, rejections carried at their indices.
    public func batch(receivedAt: Timestamp) -> Batch<RawEvent> {
        Batch(items: events, origins: origins, rejections: rejections, receivedAt: receivedAt)
    }

    /// Records message `index`'s outcome.
    mutating func append(_ outcome: Result<RawEvent, ItemFailure>, index: Int) {
        messageCount += 1
        switch outcome {
        case .success(let event):
            events.append(event)
            origins.append(index)
        case .failure(let failure):
            rejections.append(Rejection(index: index, field: failure.field, reason: failure.reason))
        }
    }
}

extension WireDecodingError {
    /// Parses the body as JSON with SmolHog's parser, its failure as `malformed` with the
    /// position; past `limits`' value budget, `tooLarge`.
    static func parse(_ json: some Collection<UInt8>, format: String, limits: WireBodyLimits?) throws(WireDecodingError) -> JSONValue {
        do {
            return try JSONParser.parse(json, limits: JSONParserLimits(maxValues: limits?.maxJSONValues ?? .max))
        } catch {
            throw WireDecodingError(parsing: error, format: format, limits: limits)
        }
    }

    /// A parse failure as the request's error: past the value budget or the events limit
    /// (`parseEventArray`'s `maxItems`), `tooLarge`; else `malformed` with the position.
    init(parsing error: JSONParseError, format: String, limits: WireBodyLimits?) {
        if let valueLimit = error.valueLimit {
            self.init(.tooLarge, "\(format) body holds more than \(valueLimit) JSON values; expected fewer")
        } else if let itemLimit = error.itemLimit {
            self.init(
                .tooLarge, "request has more than \(itemLimit) messages; at most \(limits?.maxItems ?? itemLimit) are accepted per request (validate.max_batch)"
            )
        } else {
            self.init(.malformed, "\(format) body is not valid JSON: \(error)")
        }
    }
}
