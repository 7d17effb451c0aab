// `queue: {rabbitmq: {...}}`: how the RabbitMQ driver opens. The config's shape is in
// RabbitMQQueueConfig.swift; the connections and their threads in RabbitMQQueue.swift.

public import PipelineKit

/// The RabbitMQ queue driver: persistent messages on a durable queue, publisher confirms.
public enum RabbitMQQueueDriver: QueueDriver {
    public static let name = "rabbitmq"

    public static func check(_ config: RabbitMQQueueConfig) -> [ConfigProblem] { config.problems() }

    /// Connects nothing: the queue's connection thread starts when the daemon runs it (a
    /// `Service`), and until the broker answers, publishes fail with 503.
    public static func open(_ config: RabbitMQQueueConfig, context: BuildContext) async throws -> any EventQueue {
        try RabbitMQQueue(config: config, logger: context.logger)
    }
}
