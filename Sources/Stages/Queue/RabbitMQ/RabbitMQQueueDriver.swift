// `queue: {rabbitmq: {...}}`: how the RabbitMQ driver opens. The config's shape is in
// RabbitMQQueueConfig.swift; the connections and their threads in RabbitMQQueue.swift.

public import PipelineKit

/// The RabbitMQ queue driver: persistent messages on a durable queue, publisher confirms.
public enum RabbitMQQueueDriver: QueueDriver {
    public static let name = "rabbitmq"

    public static func check(_ config: RabbitMQQueueConfig) -> [ConfigProblem] { config.problems() }

    /// Returns once connected, or after twice the connect timeout with the broker still down:
    /// then publishes answer 503 until it is up, and the daemon starts anyway.
    public static func open(_ config: RabbitMQQueueConfig, context: BuildContext) async throws -> any EventQueue {
        let queue = try RabbitMQQueue(config: config, logger: context.logger)
        let timeout = Duration.milliseconds(config.connectTimeoutMilliseconds) * 2
        if await queue.waitForConnection(timeout: timeout) {
            context.logger.info("Connected to RabbitMQ.", metadata: ["broker": "\(queue.endpoint)", "queue": "\(config.queue)"])
        } else {
            let health = await queue.health()
            context.logger.error("RabbitMQ is not reachable yet; publishes fail with 503 until it is.", metadata: ["detail": "\(health.detail ?? "")"])
        }
        return queue
    }
}
