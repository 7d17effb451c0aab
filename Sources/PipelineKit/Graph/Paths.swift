// The two running halves of a built graph: the ingest path (HTTP → queue) and the worker
// path (queue → store). Type erasure lives here, guarded by the compiler's type check.

public import ServiceLifecycle

/// Which stage kinds are the queue and the store; the compiler finds them by these types.
public protocol QueueStage: Stage where Input == Event, Output == Event {
    /// The queue this stage publishes to; the worker consumes from the same one.
    var queue: any EventQueue { get }
}

/// The persist stage: its `store` runs the in-transaction stages between insert and commit.
public protocol StoreStage: Stage where Input == Event, Output == StoredEvent {
    /// The store this stage writes to, in one transaction per batch.
    var store: any EventStore { get }
}

struct ErasedStage: Sendable {
    let name: String
    let run: @Sendable (any Sendable) async throws -> any Sendable

    init<S: Stage>(_ stage: S, name: String) {
        self.name = name
        run = { input in
            guard let batch = input as? Batch<S.Input> else { throw GraphBuildError("stage '\(name)' got a batch of the wrong type") }
            return try await stage.process(batch)
        }
    }
}

struct SyncErasedStage: Sendable {
    let run: @Sendable (any Sendable) throws -> any Sendable
    /// Whether the stage takes the inserted events (then, after a stage that produced
    /// deltas, it starts a branch of its own).
    let takesStoredEvents: Bool

    init<S: InTransactionStage>(_ stage: S) {
        takesStoredEvents = S.Input.self == StoredEvent.self
        run = { input in
            guard let batch = input as? Batch<S.Input> else { throw GraphBuildError("in-transaction stage got a batch of the wrong type") }
            return try stage.apply(batch)
        }
    }
}

/// HTTP → validate → enrich → … → queue. `run` returns when the queue has durably taken the
/// accepted events (or throws, and then none of them count as taken).
public struct IngestPath: Sendable {
    let stages: [ErasedStage]

    /// Runs each ingest stage in order. Called by the HTTP ingest route, once per request,
    /// concurrently across requests. Returns the accepted events with every rejection (original
    /// indices). A `PipelineError` is a batch-level failure the HTTP layer maps to 413 or 503;
    /// any throw means the queue has taken none of the events.
    public func run(_ batch: Batch<RawEvent>) async throws -> Batch<Event> {
        var current: any Sendable = batch
        for stage in stages { current = try await stage.run(current) }
        guard let accepted = current as? Batch<Event> else { throw GraphBuildError("ingest path did not end in a batch of events") }
        return accepted
    }
}

/// queue → (worker stages) → persist → (in-transaction stages). `store(_:)` returns the
/// events newly inserted; when it returns, their rollups are committed with them.
public struct WorkerPath: Sendable {
    let beforeStore: [ErasedStage]
    let store: any EventStore
    let inTransaction: [SyncErasedStage]
    /// What the store declared it cannot hold; events beyond it are refused before the write.
    let limits: StoreLimits

    /// Records a message the worker gives up on in the store (see `EventStore.recordDeadLetter`).
    public func recordDeadLetter(_ body: [UInt8], source: String, reason: String) async throws {
        try await store.recordDeadLetter(body, source: source, reason: reason)
    }

    /// Records several in one write where the store can (see `EventStore.recordDeadLetters`).
    public func recordDeadLetters(_ letters: [(body: [UInt8], reason: String)], source: String) async throws {
        try await store.recordDeadLetters(letters, source: source)
    }

    /// Lets the store drop its write caches (see `EventStore.releaseMemory`).
    public func releaseMemory() async { await store.releaseMemory() }

    /// Whether a failure of `store(_:)` would recur on retry (see `EventStore.isPermanent`).
    public func isPermanent(_ error: any Error) -> Bool { store.isPermanent(error) }

    /// Runs the worker stages and the store write. Items a worker stage rejects are returned
    /// as rejections (the caller dead-letters them: they were already accepted); events the
    /// store's declared limits refuse (`StoreLimits.refusal(of:)`) are returned as `refused`,
    /// with the reason, without being written: the queue may hold events an ingest node with
    /// other limits accepted, and a refusal found before the write costs no failed write.
    /// `filtered` counts the events a worker stage filtered out (`Batch.filtered`): neither
    /// stored nor refused, they are done with. `contexts` holds each event's request context
    /// (same indices, from its queue message); the worker stages see each run of events with
    /// one context as a batch of its own, with that context. Empty: one batch, no context.
    public func store(
        _ events: [Event], contexts: [IngestContext] = []
    ) async throws -> (stored: [StoredEvent], rejected: [Rejection], refused: [(event: Event, reason: String)], filtered: Int) {
        try await write(try await runWorkerStages(events, contexts: contexts))
    }

    /// The store write of `store(_:contexts:)`, for events the worker stages already handled
    /// (`runWorkerStages(_:contexts:)`): the worker runs the stages once per group and retries
    /// only this, so a retried write does not run (and count) them again.
    func write(
        _ handled: Batch<Event>
    ) async throws -> (stored: [StoredEvent], rejected: [Rejection], refused: [(event: Event, reason: String)], filtered: Int) {
        var ready = handled
        let rejections = ready.rejections
        var refused: [(event: Event, reason: String)] = []
        if let first = ready.items.firstIndex(where: { limits.refusal(of: $0) != nil }) {
            var fitting = Array(ready.items[..<first])
            for event in ready.items[first...] {
                if let reason = limits.refusal(of: event) { refused.append((event, reason)) } else { fitting.append(event) }
            }
            ready = Batch(fitting, receivedAt: ready.receivedAt)
        }
        guard !ready.items.isEmpty else { return ([], rejections, refused, handled.filtered) }
        let tail = inTransaction
        let receivedAt = ready.receivedAt
        // The in-transaction stages are pure, so they first run here, on every event, as if
        // all were new. When the store inserts them all (no redelivery, the usual case), the
        // transaction takes that result, and its time (SQLite's one writer thread, an open
        // PostgreSQL transaction) goes to the database alone. Otherwise they run again inside,
        // on the events inserted; a stage that throws here throws there instead.
        let forAll = tail.isEmpty ? nil : try? Self.rollups(of: ready.items.map(StoredEvent.init), through: tail, receivedAt: receivedAt)
        let count = ready.items.count
        let stored = try await store.write(ready.items) { inserted in
            if let forAll, inserted.count == count { return forAll }
            return try Self.rollups(of: inserted, through: tail, receivedAt: receivedAt)
        }
        return (stored, rejections, refused, handled.filtered)
    }

    /// Whether worker stages run before the store (then the worker hands `store` each event's
    /// request context).
    var readsContext: Bool { !beforeStore.isEmpty }

    /// Runs the worker stages over each run of events that share a context; the batches'
    /// items, origins (positions in `events`), rejections and filtered counts are joined in order.
    func runWorkerStages(_ events: [Event], contexts: [IngestContext]) async throws -> Batch<Event> {
        guard !beforeStore.isEmpty else { return Batch(events) }
        let aligned = contexts.count == events.count
        guard aligned, let first = contexts.first, contexts.contains(where: { $0 != first }) else {
            return try await runWorkerStages(Batch(events, context: aligned ? contexts.first ?? IngestContext() : IngestContext()))
        }
        var items: [Event] = []
        var origins: [Int] = []
        var rejections: [Rejection] = []
        var filtered = 0
        var start = 0
        while start < events.count {
            var end = start + 1
            while end < events.count && contexts[end] == contexts[start] { end += 1 }
            let batch = try await runWorkerStages(Batch(Array(events[start..<end]), context: contexts[start]))
            items += batch.items
            origins += batch.origins.map { $0 + start }
            rejections += batch.rejections.map { Rejection(index: $0.index + start, field: $0.field, reason: $0.reason) }
            filtered += batch.filtered
            start = end
        }
        return Batch(items: items, origins: origins, rejections: rejections, receivedAt: .now(), filtered: filtered)
    }

    private func runWorkerStages(_ batch: Batch<Event>) async throws -> Batch<Event> {
        var current: any Sendable = batch
        for stage in beforeStore { current = try await stage.run(current) }
        guard let ready = current as? Batch<Event> else { throw GraphBuildError("worker stages did not end in a batch of events") }
        return ready
    }

    /// Runs the in-transaction stages on the inserted events: a chain, or several chains one
    /// after the other where a stage that takes `StoredEvent` follows one that produced
    /// deltas (the compiler allows only that); the deltas of every chain, in order.
    private static func rollups(of inserted: [StoredEvent], through stages: [SyncErasedStage], receivedAt: Timestamp) throws -> [RollupDelta] {
        let start = Batch(inserted, receivedAt: receivedAt)
        var value: any Sendable = start
        var deltas: [RollupDelta] = []
        for stage in stages {
            if stage.takesStoredEvents, let done = value as? Batch<RollupDelta> {
                deltas += done.items
                value = start
            }
            value = try stage.run(value)
        }
        return deltas + ((value as? Batch<RollupDelta>)?.items ?? [])
    }
}

/// A built stage that needs long-running work (a connection pool's run loop, a broker
/// connection's thread); the daemon runs these services in its ServiceGroup, before the rest.
public protocol StageServices {
    /// Services to run for the life of the process; empty when the stage needs none.
    var services: [any Service] { get }
}

/// A built graph: the queue shared by both paths, and the paths this process's role runs.
public struct PipelineRuntime: Sendable {
    /// The queue stage's queue, built in every role.
    public let queue: any EventQueue
    /// The persist stage's store, built in every role (ingest nodes serve analytics reads from it).
    public let store: (any EventStore)?
    /// The store's reader when the persist stage serves analytics (`AnalyticsSource`).
    public let analytics: (any AnalyticsReader)?
    /// The ingest path; nil when the role does not run it (`ProcessRole.runsIngest`).
    public let ingest: IngestPath?
    /// The worker path; nil when the role does not run it (`ProcessRole.runsWorker`).
    public let worker: WorkerPath?
    /// `worker:` settings, for the `WorkerLoop`.
    public let settings: WorkerSettings
    /// Services the built stages need running (see `StageServices`).
    public let services: [any Service]
}
