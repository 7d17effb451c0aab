// POST /events: SmolHog's own ingest format `{"events":[...]}`. Decodes the body into raw
// events, runs the ingest path, and answers only after the queue has the accepted events.

import Hummingbird
import Metrics
import PipelineKit

/// The ingest endpoints. Each wire format decodes into `[RawEvent]` (with per-item
/// rejections for items that are not even objects) and shares `ingest(_:)`.
struct IngestRoutes: Sendable {
    let path: IngestPath
    let maxBodyBytes: Int
    /// `validate.max_batch`: the parser stops past it (413), whatever the body holds after.
    var maxItems: Int = .max
    /// Refuses requests while the backlog is past its bound; nil never refuses.
    var gate: OverloadGate?
    /// Where publish outcomes are recorded for GET /readyz.
    var readiness: Readiness?

    func register(on router: Router<some RequestContext>) {
        router.post("/events") { request, _ in try await self.postEvents(request) }
    }

    func postEvents(_ request: Request) async throws -> Response {
        if let refusal = gate?.refusal() { return refusal }
        let receivedAt = Timestamp.now()
        // Properties stay checked text from here to the store (no tree, no re-serializing).
        let (body, other) = try await RequestBody.eventArray(request, arrayKey: "events", limit: maxBodyBytes, maxItems: maxItems)
        if let other {
            throw APIError(.badRequest, "invalid_body", "body must be a JSON object {\"events\": [...]}, got \(other.typeName)")
        }
        guard let items = body.items else {
            throw APIError(
                .badRequest, "invalid_body", "field 'events' must be an array of event objects, got \(body.root["events"]?.typeName ?? "nothing")")
        }
        // By index, not zip: the zip's generic iterator looked up type metadata on every step.
        let raw = items.indices.map { index in
            let properties = index < body.properties.count ? body.properties[index] : nil
            return items[index].objectValue.map { RawEvent(fields: $0, rawProperties: properties) }
        }
        let batch = Self.rawBatch(raw, receivedAt: receivedAt)
        let outcome = try await ingest(batch)
        return outcome.smolHogResponse(received: items.count)
    }

    /// Builds a batch from decoded items; a nil item (not an object) is rejected at its index.
    static func rawBatch(_ items: [RawEvent?], receivedAt: Timestamp) -> Batch<RawEvent> {
        var events: [RawEvent] = []
        var origins: [Int] = []
        var rejections: [Rejection] = []
        for (index, item) in items.enumerated() {
            if let item {
                events.append(item)
                origins.append(index)
            } else {
                rejections.append(Rejection(index: index, field: nil, reason: "must be a JSON object"))
            }
        }
        return Batch(items: events, origins: origins, rejections: rejections, receivedAt: receivedAt)
    }

    /// Runs the ingest path; maps batch-level failures to their HTTP answers.
    func ingest(_ batch: Batch<RawEvent>) async throws -> IngestOutcome {
        do {
            let accepted = try await path.run(batch)
            readiness?.publishSucceeded()
            Counter(label: "smolhog_ingest_events_total", dimensions: [("outcome", "accepted")]).increment(by: accepted.count)
            Counter(label: "smolhog_ingest_events_total", dimensions: [("outcome", "rejected")]).increment(by: accepted.rejections.count)
            return IngestOutcome(accepted: accepted.items, rejections: accepted.rejections.sorted { $0.index < $1.index })
        } catch let error as PipelineError {
            Counter(label: "smolhog_ingest_failed_requests_total", dimensions: [("code", error.code.rawValue)]).increment()
            if error.code == .queueUnavailable { readiness?.publishFailed(error.message) }
            throw error.apiError
        }
    }
}

/// What the ingest path did with one request.
struct IngestOutcome {
    var accepted: [Event]
    var rejections: [Rejection]

    var rejectedJSON: JSONValue {
        .array(
            rejections.map { rejection in
                .object(["index": JSONValue(rejection.index), "field": JSONValue(rejection.field), "reason": .string(rejection.reason)])
            })
    }

    /// The reference answer, extended: 200 when anything was taken (rejections listed),
    /// 400 when every event was rejected.
    func smolHogResponse(received: Int) -> Response {
        if accepted.isEmpty && !rejections.isEmpty {
            return JSONResponse.make(
                .badRequest,
                [
                    "code": "invalid_events", "message": .string("all \(received) events were rejected; see 'rejected' for each event's field and rule"),
                    "events_received": JSONValue(received), "events_accepted": 0, "rejected": rejectedJSON,
                ])
        }
        let message = rejections.isEmpty ? "Events queued for processing" : "\(accepted.count) events queued for processing, \(rejections.count) rejected"
        return JSONResponse.make(
            .ok,
            [
                "status": rejections.isEmpty ? "success" : "partial", "events_received": JSONValue(received), "events_accepted": JSONValue(accepted.count),
                "events_rejected": JSONValue(rejections.count), "rejected": rejectedJSON, "message": .string(message),
            ])
    }
}
