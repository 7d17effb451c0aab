// RabbitMQQueue: the EventQueue over RabbitMQ. Owns the publisher link and the public
// surface (publish, consumers, health, shutdown); the links own the connections.

public import Logging
public import PipelineKit
public import ServiceLifecycle
import Synchronization

/// A durable queue on a RabbitMQ broker, for the split deployment (many ingest nodes and
/// workers sharing one broker).
///
/// Durability: the queue is durable (quorum when configured), messages are persistent, and
/// `publish` returns only after the broker's publisher confirm for that message. Publishes
/// from concurrent requests are pipelined on one channel. While the broker is unreachable,
/// `publish` fails at once with `queueUnavailable`; the link reconnects in the background.
public final class RabbitMQQueue: EventQueue, Service {
    let config: RabbitMQQueueConfig
    let endpoint: AMQPEndpoint
    let timings: LinkTimings
    let logger: Logger
    let publisher: AMQPLink<PublisherRole>
    private let started = Mutex(false)

    /// Connects nothing yet: the publisher's connection thread starts in `run()` (or on first
    /// use, for a queue used outside a daemon). Throws only for a config that can never work
    /// (a bad URL).
    public init(config: RabbitMQQueueConfig, logger: Logger) throws {
        if let problem = config.problems().first { throw AMQPError("rabbitmq.\(problem.path.joined(separator: ".")): \(problem.message)") }
        let endpoint = try AMQPEndpoint(url: config.url)
        let timings = LinkTimings(
            connectTimeout: .milliseconds(config.connectTimeoutMilliseconds),
            confirmTimeout: .milliseconds(config.confirmTimeoutMilliseconds),
            heartbeatSeconds: config.heartbeatSeconds,
            initialBackoff: .milliseconds(config.reconnectBackoffMilliseconds),
            maxBackoff: .milliseconds(max(config.reconnectBackoffMilliseconds, config.maxReconnectBackoffMilliseconds)))
        let tracker = ConfirmTracker()
        self.config = config
        self.endpoint = endpoint
        self.timings = timings
        self.logger = logger
        self.publisher = try AMQPLink(name: "publisher", endpoint: endpoint, timings: timings, logger: logger, trackers: [tracker]) {
            PublisherRole(config: config, tracker: tracker, logger: logger)
        }
    }

    /// Starts the publisher's connection thread, once.
    func startIfNeeded() {
        let first = started.withLock { started in
            defer { started = true }
            return !started
        }
        if first { publisher.start() }
    }

    /// Starts the publisher connection and keeps it until graceful shutdown (`shutdown()`,
    /// called by the queue stage's closer after the HTTP server and the worker stopped, closes
    /// it). Logs whether the broker answered within twice the connect timeout.
    public func run() async throws {
        startIfNeeded()
        if await waitForConnection(timeout: timings.connectTimeout * 2) {
            logger.info("Connected to RabbitMQ.", metadata: ["broker": "\(endpoint)", "queue": "\(config.queue)"])
        } else {
            let health = await health()
            logger.error("RabbitMQ is not reachable yet; publishes fail with 503 until it is.", metadata: ["detail": "\(health.detail ?? "")"])
        }
        try? await gracefulShutdown()
    }

    public func publish(_ events: [Event], context: IngestContext) async throws {
        guard !events.isEmpty else { return }
        startIfNeeded()
        switch publisher.status {
        case .down(let reason): throw unavailable("RabbitMQ at \(endpoint) is unreachable: \(reason)")
        case .closed: throw unavailable("the RabbitMQ queue is shut down")
        case .connecting, .up: break
        }
        let body = EventBatchCodec.encode(events, context: context)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if !publisher.send(.publish(body: body, continuation: continuation)) {
                continuation.resume(throwing: unavailable("the RabbitMQ queue is shut down"))
            }
        }
    }

    /// Worker loops per worker process (`rabbitmq.consumers`); the broker shares messages
    /// between consumers, so each loop stores different ones.
    public var consumers: Int { config.consumers }

    /// A consumer on its own connection. `prefetch` is the worker's; `rabbitmq.prefetch`
    /// overrides it when set.
    public func makeConsumer(prefetch: Int) async throws -> any QueueConsumer {
        startIfNeeded()
        return try RabbitMQConsumer(queue: self, prefetch: config.prefetch ?? prefetch)
    }

    public func health() async -> DependencyHealth {
        switch publisher.status {
        case .up: return DependencyHealth(name: "queue", up: true, detail: "rabbitmq \(endpoint) queue '\(config.queue)'")
        case .connecting: return DependencyHealth(name: "queue", up: false, detail: "rabbitmq \(endpoint): connecting")
        case .down(let reason): return DependencyHealth(name: "queue", up: false, detail: "rabbitmq \(endpoint): \(reason)")
        case .closed: return DependencyHealth(name: "queue", up: false, detail: "rabbitmq \(endpoint): shut down")
        }
    }

    /// Messages ready in the queue and the dead-letter queue (deliveries a consumer holds
    /// unacknowledged are not counted), for metrics and tests.
    public func depth() async throws -> (messages: Int, deadLetters: Int) {
        startIfNeeded()
        return try await withCheckedThrowingContinuation { continuation in
            if !publisher.send(.depth(continuation: continuation)) {
                continuation.resume(throwing: unavailable("the RabbitMQ queue is shut down"))
            }
        }
    }

    /// Waits until the first connection attempt has an outcome (or `timeout`); true when up.
    public func waitForConnection(timeout: Duration) async -> Bool {
        startIfNeeded()
        let deadline = ContinuousClock.now + timeout
        while publisher.status == .connecting && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return publisher.status == .up
    }

    /// Waits for outstanding confirms (up to the confirm timeout), then closes the publisher
    /// connection. Publishes after this fail with `queueUnavailable`.
    public func shutdown() async {
        await publisher.close()
    }
}
