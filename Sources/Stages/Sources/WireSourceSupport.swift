// What the PostHog and Segment sources share: a WireBatch as the pipeline's batch with the
// request's context, WireFormats' errors as HTTP refusals, and the refusals of a request
// that answers 200 anyway (counted in /metrics, logged with their reasons, at most once a
// second per source).

import Logging
import Metrics
import PipelineKit
import WireDecoding
import WireFormats

extension WireBatch {
    /// The events as the ingest path's batch, with `request`'s context plus the key and the
    /// sent-at the envelope carried.
    func batch(_ request: SourceRequest) -> Batch<RawEvent> {
        var context = request.context
        context.key = apiKey ?? context.key
        context.sentAt = sentAt
        return Batch(items: events, origins: origins, rejections: rejections, receivedAt: request.receivedAt, context: context)
    }
}

extension WireDecodingError {
    /// The HTTP refusal of a request that cannot be decoded: 413 past a limit, 415 for an
    /// encoding SmolHog does not read, 400 otherwise.
    var sourceError: SourceError {
        switch code {
        case .tooLarge: SourceError(status: 413, code: "body_too_large", message: message)
        case .unsupported: SourceError(status: 415, code: "unsupported_encoding", message: message)
        case .malformed: SourceError.badRequest("malformed_body", message)
        }
    }
}

/// Refusals of events in requests that were otherwise taken.
struct WireRefusals: Sendable {
    let source: String
    let logger: Logger
    private let log = RateLimitedLog(interval: .seconds(1))

    init(source: String, logger: Logger) {
        self.source = source
        self.logger = logger
    }

    /// Counts `rejections` under `smolhog_source_refused_events_total{source}` and logs the
    /// first one's reason (rate-limited).
    func record(_ rejections: [Rejection]) {
        guard let first = rejections.first else { return }
        Counter(label: "smolhog_source_refused_events_total", dimensions: [("source", source)]).increment(by: rejections.count)
        log.log(
            logger, level: .info, "Events refused in a request that was answered 200",
            metadata: ["source": "\(source)", "refused": "\(rejections.count)", "first": "\(first)"])
    }

    /// 400 `invalid_events` for a request of which nothing could be taken, with each refusal.
    static func nothingTaken(_ result: IngestResult, received: Int) -> SourceResponse {
        SourceResponse(
            status: 400,
            json: [
                "code": "invalid_events",
                "message": .string("all \(received) events were refused; see 'rejected' for each event's field and rule"),
                "rejected": .array(result.rejections.prefix(100).map(\.answer)),
            ])
    }
}

extension Rejection {
    /// `{"index", "field", "reason"}`: how every source's answer lists a refused event.
    var answer: JSONValue {
        ["index": .number(JSONNumber(index)), "field": field.map { .string($0) } ?? .null, "reason": .string(reason)]
    }
}
