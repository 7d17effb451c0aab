// SourceIngest: what a source hands its decoded events to. Runs the ingest path (validate …
// queue) and returns once the queue has the accepted events durably.

/// The ingest path as a source sees it: `try await ingest(batch)` runs the stages up to the
/// queue and returns what was taken, once the queue has it durably (then the source may
/// answer 2xx). It throws `PipelineError` when the batch as a whole cannot be taken (413 too
/// many events, 503 queue unavailable): then nothing was taken.
public struct SourceIngest: Sendable {
    let run: @Sendable (Batch<RawEvent>) async throws -> IngestResult

    /// An ingest that runs `run` (the server's, or a test's).
    public init(_ run: @escaping @Sendable (Batch<RawEvent>) async throws -> IngestResult) { self.run = run }

    /// Runs the ingest path on `batch`. Call it at most once per request; set the batch's
    /// `context` (from `SourceRequest.context`, plus the key and sent-at) and `receivedAt`.
    public func callAsFunction(_ batch: Batch<RawEvent>) async throws -> IngestResult { try await run(batch) }
}

/// What the ingest path took of one request.
public struct IngestResult: Sendable {
    /// The events the queue holds now, in request order.
    public var accepted: [Event]
    /// The items refused (by the source's decoding or by a stage), by their request index.
    public var rejections: [Rejection]

    /// A result of these accepted events and rejections (sorted by index).
    public init(accepted: [Event], rejections: [Rejection]) {
        self.accepted = accepted
        self.rejections = rejections
    }
}

extension Batch where Element == RawEvent {
    /// A batch of a request's decoded items: `nil` items (not a JSON object, or otherwise
    /// undecodable) are rejected at their index with `reason`, the others flow with their
    /// request index as origin.
    public init(
        decoded items: [RawEvent?], receivedAt: Timestamp, context: IngestContext, reason: String = "must be a JSON object"
    ) {
        var events: [RawEvent] = []
        var origins: [Int] = []
        var rejections: [Rejection] = []
        events.reserveCapacity(items.count)
        origins.reserveCapacity(items.count)
        for index in items.indices {
            if let item = items[index] {
                events.append(item)
                origins.append(index)
            } else {
                rejections.append(Rejection(index: index, field: nil, reason: reason))
            }
        }
        self.init(items: events, origins: origins, rejections: rejections, receivedAt: receivedAt, context: context)
    }
}
