// queue: the seam between the ingest path and the worker path. The stage picks a driver by
// name from the registry (`Plugins.drivers`); the drivers (Embedded/, RabbitMQ/, Memory/)
// own durability.

public import PipelineKit
public import ServiceLifecycle

/// `- queue: {embedded: {path: data/queue.sqlite}}`, `- queue: {rabbitmq: {url: ..., queue: events}}`
/// or any registered `QueueDriver` in pipeline.yaml.
public struct QueueStageKind: StageKind {
    public typealias Config = QueueDriverChoice

    public static let name = "queue"

    public static func check(_ config: Config) -> [ConfigProblem] { config.problems }

    public static func build(_ config: Config, context: BuildContext) async throws -> QueueStageRuntime {
        var context = context
        context.logger[metadataKey: "driver"] = .string(config.driver.name)
        return QueueStageRuntime(queue: try await config.open(context: context))
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
        try await queue.publish(batch.items, context: batch.context)
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
