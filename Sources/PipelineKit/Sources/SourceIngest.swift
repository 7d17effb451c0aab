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
    /// How many items a stage filtered out on purpose (`Batch.filtered`): taken, neither
    /// queued nor refused. `accepted.count + rejections.count + filtered` is the number of items.
    public var filtered: Int

    /// A result of these accepted events and rejections (sorted by index), and `filtered` items
    /// dropped on purpose.
    public init(accepted: [Event], rejections: [Rejection], filtered: Int = 0) {
        self.accepted = accepted
        self.rejections = rejections
        self.filtered = filtered
    }

    /// True when nothing of the request was taken: no event accepted or filtered, and at
    /// least one refused (a source answers that with a 4xx; an empty request is not refused).
    public var tookNothing: Bool { accepted.isEmpty && filtered == 0 && !rejections.isEmpty }
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
