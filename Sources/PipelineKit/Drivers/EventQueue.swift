// The queue seam between the ingest path and the worker path: what a queue driver
// (embedded, rabbitmq) must promise. Drivers live in Stages; this file owns the contract.

/// A durable queue of event batches.
///
/// Contract: when `publish` returns, the events survive a crash of this process (fsynced,
/// or confirmed by a broker). When it throws, the caller must treat none of them as taken.
public protocol EventQueue: Sendable {
    /// Durably enqueues one message holding `events` and the request context of their batch
    /// (`QueueMessage.encode(_:context:)` makes its body; the worker reads both back).
    func publish(_ events: [Event], context: IngestContext) async throws
    /// Opens a consumer for the worker path.
    func makeConsumer(prefetch: Int) async throws -> any QueueConsumer
    /// Whether the queue can take publishes right now, and why not.
    func health() async -> DependencyHealth
    /// Closes the queue's connections. Called once, when the process shuts down, after the
    /// HTTP server and the worker have stopped using it.
    func shutdown() async
    /// How many worker loops consume at once, each with its own consumer and store
    /// transaction. A queue whose consumers would be handed the same messages keeps 1.
    var consumers: Int { get }
    /// Drops caches that only speed up a busy queue (see `EventStore.releaseMemory`).
    func releaseMemory() async
    /// Events published and not yet acknowledged, or nil when this process cannot tell (a
    /// broker shared with other processes). Read on every ingest request by the overload
    /// check, so it must be O(1): an atomic load, no lock, no I/O.
    var backlogEvents: Int? { get }
}

extension EventQueue {
    /// Enqueues `events` with an empty request context (see `publish(_:context:)`).
    public func publish(_ events: [Event]) async throws { try await publish(events, context: IngestContext()) }
    /// Default: nothing to close.
    public func shutdown() async {}
    /// Default: nothing to release.
    public func releaseMemory() async {}
    /// Default: one worker loop.
    public var consumers: Int { 1 }
    /// Default: unknown, so the overload check never refuses.
    public var backlogEvents: Int? { nil }
}

/// One message handed to the worker. `body` is the encoded batch (see `EventBatchCodec`).
public struct Delivery: Sendable {
    /// Driver-specific position used to acknowledge (a row id, an AMQP delivery tag).
    public var tag: UInt64
    /// The encoded batch (`QueueMessage.encode`), byte for byte as published.
    public var body: [UInt8]
    /// True when the queue has delivered this message before (a worker died holding it).
    public var redelivered: Bool
    /// Memberwise; queue drivers build these in `QueueConsumer.next(maxWait:)`.
    public init(tag: UInt64, body: [UInt8], redelivered: Bool) {
        self.tag = tag
        self.body = body
        self.redelivered = redelivered
    }
}

/// Reads messages for one worker. Not shared between tasks: one worker loop owns it.
public protocol QueueConsumer: Sendable {
    /// Waits for messages (up to the prefetch), returning as soon as at least one is there or
    /// `maxWait` passes (then with none). Returns nil when the consumer has been closed.
    func next(maxWait: Duration) async throws -> [Delivery]?
    /// Acknowledges these deliveries: the queue may forget them. Called only after the store
    /// committed their events.
    func ack(_ deliveries: [Delivery]) async throws
    /// Moves a message that can never be stored to the dead-letter queue, with the reason.
    func deadLetter(_ delivery: Delivery, reason: String) async throws
    /// Stops delivering; unacknowledged messages go back to the queue.
    func close() async
}

/// Health of one dependency, one entry of `GET /healthz` (200 when every entry is up, 503
/// otherwise). Drivers return it from `health()`, which the endpoint awaits on each request.
public struct DependencyHealth: Sendable, Hashable {
    /// Key of the entry in the `/healthz` body: `queue` or `store` for the built-in drivers.
    public var name: String
    /// False turns `/healthz` into 503 with `status` `degraded` and names this dependency.
    public var up: Bool
    /// Text for operators (endpoint, last error); nil when there is nothing to add.
    public var detail: String?
    /// Memberwise; `detail` defaults to nil.
    public init(name: String, up: Bool, detail: String? = nil) {
        self.name = name
        self.up = up
        self.detail = detail
    }
}
