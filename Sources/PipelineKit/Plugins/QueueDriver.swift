// QueueDriver: how a queue driver (embedded, rabbitmq, your own) is declared to the
// registry. The `queue` stage picks one by the single key under it in pipeline.yaml.

/// Declares one kind of queue: its YAML name under `- queue:`, its config type, and how to
/// open it.
///
/// ```yaml
/// - queue:
///     embedded: {path: data/queue.sqlite}   # `embedded` is a QueueDriver's name
/// ```
/// The config is decoded strictly (an unknown key is an error at its line), then `check`
/// runs without I/O; `open` runs only when the daemon starts and may connect to a broker.
/// The queue it returns must keep `EventQueue`'s contract: `publish` returns only when the
/// events survive a crash.
public protocol QueueDriver: Sendable {
    /// The driver's config, decoded strictly from the value under its name.
    associatedtype Config: Decodable & Sendable
    /// The key under `queue:` in pipeline.yaml (snake_case).
    static var name: String { get }
    /// Checks the config without I/O; each problem's path is relative to the driver's node.
    static func check(_ config: Config) -> [ConfigProblem]
    /// Opens the queue. A queue that must run (a checkpointer, a connection thread) also
    /// conforms to `Service`; the daemon runs it before the stages that use it and stops it
    /// after them.
    static func open(_ config: Config, context: BuildContext) async throws -> any EventQueue
}

extension QueueDriver {
    /// Default: no problems beyond what decoding finds.
    public static func check(_ config: Config) -> [ConfigProblem] { [] }
}

/// The `queue:` stage's config: which driver the YAML named, with that driver's decoded config.
public struct QueueDriverChoice: Decodable, Sendable {
    /// The driver the YAML named.
    public let driver: any QueueDriver.Type
    let config: any Sendable

    /// Decodes `{NAME: {config}}`: exactly one key, naming a registered queue driver, whose
    /// config is decoded strictly. Needs the registry in the decoder's `userInfo` (the graph
    /// compiler puts it there); an unknown name is an error with a "did you mean".
    public init(from decoder: any Decoder) throws {
        (driver, config) = try decodeDriverChoice(from: decoder, role: "queue", names: \.queueNames) { registry, name in
            registry.queues[name]
        } decode: { driver, decoder in
            try Self.decodeConfig(driver, decoder)
        }
    }

    /// The decoded config, when the YAML named driver `D`.
    public func config<D: QueueDriver>(as driver: D.Type) -> D.Config? {
        driver == self.driver ? config as? D.Config : nil
    }

    /// The driver's `check`, with paths below the driver's key.
    public var problems: [ConfigProblem] { prefixed(check(driver, config), with: driver.name) }

    /// Opens the queue through the named driver.
    public func open(context: BuildContext) async throws -> any EventQueue { try await open(driver, context: context) }

    private func open<D: QueueDriver>(_ driver: D.Type, context: BuildContext) async throws -> any EventQueue {
        guard let config = config as? D.Config else { throw GraphBuildError("config of queue driver '\(D.name)' has the wrong type") }
        return try await D.open(config, context: context)
    }

    private func check<D: QueueDriver>(_ driver: D.Type, _ config: any Sendable) -> [ConfigProblem] {
        (config as? D.Config).map(D.check) ?? []
    }

    private static func decodeConfig<D: QueueDriver>(_ driver: D.Type, _ decoder: any Decoder) throws -> any Sendable {
        try D.Config(from: decoder)
    }
}
