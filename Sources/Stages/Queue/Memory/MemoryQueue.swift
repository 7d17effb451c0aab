// MemoryQueue: the in-memory twin of the queue drivers, for tests and for people writing a
// driver. It keeps the queue contract's order of events (publish, deliver, ack, redeliver,
// dead-letter) but nothing survives the process: never a production queue.

public import PipelineKit
import Synchronization

/// A queue held in memory. Messages are delivered in publish order; a consumer that closes
/// with messages unacknowledged hands them back, flagged `redelivered`, at the front.
///
/// Test hooks: `failPublishes(with:)` makes publishes throw (an outage), `deadLetters` and
/// `depth` read what the worker did.
public final class MemoryQueue: EventQueue, Sendable {
    struct Message: Sendable {
        var tag: UInt64
        var body: [UInt8]
        var redelivered: Bool
    }

    struct State: Sendable {
        var ready: [Message] = []
        /// Delivered and not yet acknowledged, by consumer.
        var unacked: [Int: [UInt64: Message]] = [:]
        var deadLetters: [(body: [UInt8], reason: String)] = []
        var nextTag: UInt64 = 1
        var nextConsumer = 0
        var publishFailure: (any Error & Sendable)?
    }

    let state = Mutex(State())
    public let consumers: Int

    public init(consumers: Int = 1) { self.consumers = consumers }

    public func publish(_ events: [Event], context: IngestContext) async throws {
        try publish(body: EventBatchCodec.encode(events, context: context))
    }

    /// Enqueues a message as it is (a test can enqueue what no codec wrote).
    public func publish(body: [UInt8]) throws {
        try state.withLock { state in
            if let failure = state.publishFailure { throw failure }
            state.ready.append(Message(tag: state.nextTag, body: body, redelivered: false))
            state.nextTag += 1
        }
    }

    public func makeConsumer(prefetch: Int) async throws -> any QueueConsumer {
        let id = state.withLock { state in
            defer { state.nextConsumer += 1 }
            return state.nextConsumer
        }
        return MemoryQueueConsumer(queue: self, id: id, prefetch: max(1, prefetch))
    }

    public func health() async -> DependencyHealth {
        let failure = state.withLock { $0.publishFailure }
        return DependencyHealth(name: "queue", up: failure == nil, detail: failure.map { "memory queue refuses publishes: \($0)" })
    }

    /// From now on publishes throw `error` (nil: they work again).
    public func failPublishes(with error: (any Error & Sendable)?) {
        state.withLock { $0.publishFailure = error }
    }

    /// Messages moved aside by `deadLetter`, with their reasons, oldest first.
    public var deadLetters: [(body: [UInt8], reason: String)] { state.withLock { $0.deadLetters } }

    /// Messages waiting, and delivered but not acknowledged.
    public var depth: (ready: Int, unacked: Int) {
        state.withLock { state in (state.ready.count, state.unacked.values.reduce(0) { $0 + $1.count }) }
    }
}

/// One consumer of a `MemoryQueue`.
final class MemoryQueueConsumer: QueueConsumer, Sendable {
    let queue: MemoryQueue
    let id: Int
    let prefetch: Int
    let closed = Mutex(false)

    init(queue: MemoryQueue, id: Int, prefetch: Int) {
        self.queue = queue
        self.id = id
        self.prefetch = prefetch
    }

    func next(maxWait: Duration) async throws -> [Delivery]? {
        let clock = ContinuousClock()
        let deadline = clock.now + maxWait
        while true {
            if closed.withLock({ $0 }) { return nil }
            let taken = take()
            if !taken.isEmpty || clock.now >= deadline { return taken }
            // A twin polls: a few milliseconds between looks are far below any test's deadline.
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func take() -> [Delivery] {
        queue.state.withLock { state in
            let room = prefetch - (state.unacked[id]?.count ?? 0)
            guard room > 0 else { return [] }
            let taken = state.ready.prefix(room)
            state.ready.removeFirst(taken.count)
            for message in taken { state.unacked[id, default: [:]][message.tag] = message }
            return taken.map { Delivery(tag: $0.tag, body: $0.body, redelivered: $0.redelivered) }
        }
    }

    func ack(_ deliveries: [Delivery]) async throws {
        try queue.state.withLock { state in
            for delivery in deliveries {
                guard state.unacked[id]?.removeValue(forKey: delivery.tag) != nil else {
                    throw MemoryQueueError("ack of delivery \(delivery.tag), which this consumer does not hold")
                }
            }
        }
    }

    func deadLetter(_ delivery: Delivery, reason: String) async throws {
        try queue.state.withLock { state in
            guard let message = state.unacked[id]?.removeValue(forKey: delivery.tag) else {
                throw MemoryQueueError("dead-letter of delivery \(delivery.tag), which this consumer does not hold")
            }
            state.deadLetters.append((message.body, reason))
        }
    }

    func close() async {
        closed.withLock { $0 = true }
        queue.state.withLock { state in
            let held = (state.unacked.removeValue(forKey: id) ?? [:]).values.sorted { $0.tag < $1.tag }
            state.ready.insert(contentsOf: held.map { MemoryQueue.Message(tag: $0.tag, body: $0.body, redelivered: true) }, at: 0)
        }
    }
}

/// A misuse of the memory queue (an ack of what the consumer does not hold).
public struct MemoryQueueError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `queue: {memory: {consumers: 1}}`: the in-memory twin as a driver. Not in
/// `Plugins.builtIn` (a 2xx from it promises nothing across a restart); tests add it.
public enum MemoryQueueDriver: QueueDriver {
    public struct Config: Decodable, Sendable {
        public var consumers: Int = 1
        enum CodingKeys: String, CodingKey { case consumers }
        public init() {}
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            consumers = try container.decodeIfPresent(Int.self, forKey: .consumers) ?? consumers
        }
    }

    public static let name = "memory"

    public static func check(_ config: Config) -> [ConfigProblem] {
        (1...16).contains(config.consumers) ? [] : [ConfigProblem(path: ["consumers"], "expected 1 to 16 worker loops, got \(config.consumers)")]
    }

    public static func open(_ config: Config, context: BuildContext) async throws -> any EventQueue {
        MemoryQueue(consumers: config.consumers)
    }
}
