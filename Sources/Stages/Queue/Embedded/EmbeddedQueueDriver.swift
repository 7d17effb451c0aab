// `queue: {embedded: {...}}`: the driver's YAML shape and how it opens. The queue itself
// (EmbeddedQueue.swift) owns durability.

public import PipelineKit

/// The embedded queue driver: a SQLite file, fsynced before a publish returns.
public enum EmbeddedQueueDriver: QueueDriver {
    public static let name = "embedded"

    public static func check(_ config: EmbeddedQueueConfig) -> [ConfigProblem] { config.problems() }

    public static func open(_ config: EmbeddedQueueConfig, context: BuildContext) async throws -> any EventQueue {
        let path = context.resolve(path: config.path)
        context.logger.info("Opening embedded queue.", metadata: ["path": "\(path)"])
        return try EmbeddedQueue(path: path, consumers: config.consumers, logger: context.logger)
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
