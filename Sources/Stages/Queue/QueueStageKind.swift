// queue: the seam between the ingest path and the worker path. Owns the choice of driver
// from YAML; the drivers (Embedded/, RabbitMQ/) own durability.

public import PipelineKit
public import ServiceLifecycle

/// `- queue: {embedded: {path: data/queue.sqlite}}` or `- queue: {rabbitmq: {url: ..., queue: events}}`
/// in pipeline.yaml.
public struct QueueStageKind: StageKind {
    public enum Config: Decodable, Sendable, Hashable {
        case embedded(EmbeddedQueueConfig)
        case rabbitmq(RabbitMQQueueConfig)

        enum CodingKeys: String, CodingKey, CaseIterable {
            case embedded
            case rabbitmq
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let present = CodingKeys.allCases.filter { container.contains($0) }
            guard present.count == 1, let driver = present.first else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath,
                        debugDescription:
                            "expected exactly one queue driver: \(CodingKeys.allCases.map(\.rawValue).joined(separator: " or ")), got \(present.count)"))
            }
            switch driver {
            case .embedded: self = .embedded(try container.decode(EmbeddedQueueConfig.self, forKey: .embedded))
            case .rabbitmq: self = .rabbitmq(try container.decode(RabbitMQQueueConfig.self, forKey: .rabbitmq))
            }
        }
    }

    public static let name = "queue"

    public static func check(_ config: Config) -> [ConfigProblem] {
        switch config {
        case .embedded(let embedded): return embedded.problems().map { ConfigProblem(path: ["embedded"] + $0.path, $0.message) }
        case .rabbitmq(let rabbitmq): return rabbitmq.problems().map { ConfigProblem(path: ["rabbitmq"] + $0.path, $0.message) }
        }
    }

    public static func build(_ config: Config, context: BuildContext) async throws -> QueueStageRuntime {
        switch config {
        case .embedded(let embedded):
            let path = context.resolve(path: embedded.path)
            context.logger.info("Opening embedded queue.", metadata: ["path": "\(path)"])
            return QueueStageRuntime(queue: try EmbeddedQueue(path: path, consumers: embedded.consumers))
        case .rabbitmq(let rabbitmq):
            let queue = try RabbitMQQueue(config: rabbitmq, logger: context.logger)
            let timeout = Duration.milliseconds(rabbitmq.connectTimeoutMilliseconds) * 2
            if await queue.waitForConnection(timeout: timeout) {
                context.logger.info("Connected to RabbitMQ.", metadata: ["broker": "\(queue.endpoint)", "queue": "\(rabbitmq.queue)"])
            } else {
                let health = await queue.health()
                context.logger.error(
                    "RabbitMQ is not reachable yet; publishes fail with 503 until it is.",
                    metadata: ["detail": "\(health.detail ?? "")"])
            }
            return QueueStageRuntime(queue: queue)
        }
    }
}

/// `embedded:` options.
public struct EmbeddedQueueConfig: Decodable, Sendable, Hashable {
    /// SQLite file holding queued messages (relative to the config file).
    public var path: String = "data/queue.sqlite"
    /// Worker loops that store groups side by side: while one loop's group is in the store's
    /// transaction, the next reads, decodes and aggregates its own.
    public var consumers: Int = 2
    public init() {}
    enum CodingKeys: String, CodingKey { case path, consumers }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decodeIfPresent(String.self, forKey: .path) ?? path
        consumers = try container.decodeIfPresent(Int.self, forKey: .consumers) ?? consumers
    }

    /// Problems found without opening the file, each naming its field.
    public func problems() -> [ConfigProblem] {
        (1...16).contains(consumers) ? [] : [ConfigProblem(path: ["consumers"], "expected 1 to 16 worker loops, got \(consumers)")]
    }
}

/// The queue as a stage: on the ingest path, `process` publishes the batch and returns it
/// once the queue has it durably.
public struct QueueStageRuntime: QueueStage, StageServices {
    public let queue: any EventQueue
    public init(queue: any EventQueue) { self.queue = queue }

    /// Closes the queue at shutdown. Driver services start first and stop last, so this
    /// runs after the HTTP server and the worker are done with the queue. A queue that needs
    /// running itself (the embedded queue's checkpointer) comes with it.
    public var services: [any Service] { [QueueCloser(queue: queue)] + ((queue as? any Service).map { [$0] } ?? []) }

    public func process(_ batch: Batch<Event>) async throws -> Batch<Event> {
        try await queue.publish(batch.items)
        return batch
    }
}

/// Waits for graceful shutdown, then closes the queue's connections.
struct QueueCloser: Service {
    let queue: any EventQueue
    func run() async throws {
        try? await gracefulShutdown()
        await queue.shutdown()
    }
}
