// StoreDriver: how a store driver (sqlite, postgres, your own) is declared to the registry.
// The `persist` stage picks one by the single key under it in pipeline.yaml.

/// What an opened store offers: the worker path writes through `EventStore`, the analytics
/// routes read through `AnalyticsReader`.
public typealias AnalyticsStore = EventStore & AnalyticsReader

/// Declares one kind of store: its YAML name under `- persist:`, its config type, how to open
/// it and how to bring its schema up to date.
///
/// ```yaml
/// - persist:
///     sqlite: {path: data/smolhog.sqlite}   # `sqlite` is a StoreDriver's name
/// ```
/// The store `open` returns keeps `EventStore`'s contract (one transaction per write, only
/// newly inserted events reach the rollups). What later features need of a store beyond
/// that (persons, projects, an outbox) comes as capability protocols a store adopts, each
/// with its in-memory twin (`MemoryStore`) and its part of the conformance suite.
public protocol StoreDriver: Sendable {
    /// The driver's config, decoded strictly from the value under its name.
    associatedtype Config: Decodable & Sendable
    /// The key under `persist:` in pipeline.yaml (snake_case).
    static var name: String { get }
    /// Checks the config without I/O; each problem's path is relative to the driver's node.
    static func check(_ config: Config) -> [ConfigProblem]
    /// Opens the store for serving. May refuse a schema older or newer than this binary
    /// (then `smolhogd migrate` says what to do). A store that must run (a connection pool)
    /// also conforms to `Service`.
    static func open(_ config: Config, context: BuildContext) async throws -> any AnalyticsStore
    /// `smolhogd migrate`: applies pending migrations and says what it did, in one line.
    static func migrate(_ config: Config, context: BuildContext) async throws -> String
    /// What the store cannot hold (see `StoreLimits`), known without I/O.
    static func limits(_ config: Config) -> StoreLimits
}

extension StoreDriver {
    /// Default: no problems beyond what decoding finds.
    public static func check(_ config: Config) -> [ConfigProblem] { [] }
    /// A store that holds whatever the string policy lets through.
    public static func limits(_ config: Config) -> StoreLimits { .none }
    /// A store with no schema of its own (or one that migrates on open) has nothing to do.
    public static func migrate(_ config: Config, context: BuildContext) async throws -> String {
        _ = try await open(config, context: context)
        return "\(name): nothing to migrate"
    }
}

/// The `persist:` stage's config: which driver the YAML named, with that driver's decoded config.
public struct StoreDriverChoice: Decodable, Sendable {
    /// The driver the YAML named.
    public let driver: any StoreDriver.Type
    let config: any Sendable

    /// Decodes `{NAME: {config}}`: exactly one key, naming a registered store driver, whose
    /// config is decoded strictly. Needs the registry in the decoder's `userInfo` (the graph
    /// compiler puts it there); an unknown name is an error with a "did you mean".
    public init(from decoder: any Decoder) throws {
        (driver, config) = try decodeDriverChoice(from: decoder, role: "store", names: \.storeNames) { registry, name in
            registry.stores[name]
        } decode: { driver, decoder in
            try Self.decodeConfig(driver, decoder)
        }
    }

    /// The decoded config, when the YAML named driver `D`.
    public func config<D: StoreDriver>(as driver: D.Type) -> D.Config? {
        driver == self.driver ? config as? D.Config : nil
    }

    /// The driver's `check`, with paths below the driver's key.
    public var problems: [ConfigProblem] { prefixed(check(driver, config), with: driver.name) }

    /// Opens the store through the named driver.
    public func open(context: BuildContext) async throws -> any AnalyticsStore { try await open(driver, context: context) }

    /// What the named driver's store cannot hold.
    public var limits: StoreLimits { limits(driver) }

    private func limits<D: StoreDriver>(_ driver: D.Type) -> StoreLimits {
        (config as? D.Config).map(D.limits) ?? .none
    }

    /// Migrates the store through the named driver.
    public func migrate(context: BuildContext) async throws -> String { try await migrate(driver, context: context) }

    private func typed<D: StoreDriver>(_ driver: D.Type) throws -> D.Config {
        guard let config = config as? D.Config else { throw GraphBuildError("config of store driver '\(D.name)' has the wrong type") }
        return config
    }

    private func open<D: StoreDriver>(_ driver: D.Type, context: BuildContext) async throws -> any AnalyticsStore {
        try await D.open(try typed(driver), context: context)
    }

    private func migrate<D: StoreDriver>(_ driver: D.Type, context: BuildContext) async throws -> String {
        try await D.migrate(try typed(driver), context: context)
    }

    private func check<D: StoreDriver>(_ driver: D.Type, _ config: any Sendable) -> [ConfigProblem] {
        (config as? D.Config).map(D.check) ?? []
    }

    private static func decodeConfig<D: StoreDriver>(_ driver: D.Type, _ decoder: any Decoder) throws -> any Sendable {
        try D.Config(from: decoder)
    }
}

/// Decodes `{name: {config}}` with exactly one key naming a registered driver.
func decodeDriverChoice<Driver>(
    from decoder: any Decoder, role: String, names: KeyPath<DriverRegistry, [String]>, lookup: (DriverRegistry, String) -> Driver?,
    decode: (Driver, any Decoder) throws -> any Sendable
) throws -> (Driver, any Sendable) {
    guard let registry = decoder.userInfo[.driverRegistry] as? DriverRegistry else {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no driver registry to decode a \(role) driver with"))
    }
    let names = registry[keyPath: names]
    let container = try decoder.container(keyedBy: DriverKey.self)
    let keys = container.allKeys
    guard keys.count == 1, let key = keys.first else {
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: container.codingPath,
                debugDescription:
                    "expected exactly one \(role) driver (\(names.joined(separator: ", "))), got \(keys.isEmpty ? "none" : keys.map(\.stringValue).joined(separator: " and "))"
            ))
    }
    guard let driver = lookup(registry, key.stringValue) else {
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: container.codingPath + [key],
                debugDescription:
                    "unknown \(role) driver '\(key.stringValue)'\(didYouMean(key.stringValue, in: names)); expected one of: \(names.joined(separator: ", "))"))
    }
    return (driver, try decode(driver, try container.superDecoder(forKey: key)))
}

func prefixed(_ problems: [ConfigProblem], with name: String) -> [ConfigProblem] {
    problems.map { ConfigProblem(path: [name] + $0.path, $0.message) }
}

struct DriverKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension CodingUserInfoKey {
    /// Where the graph compiler hands the driver registry to the `queue` and `persist` configs.
    static let driverRegistry = CodingUserInfoKey(rawValue: "smolhog.driverRegistry")!
    /// Where the graph compiler hands every stage config the directory of the config file (a
    /// `String`), so a config that names a file (a GeoIP database) can resolve a relative path
    /// and check the file while it decodes, with the error at the file name's line.
    public static let configDirectory = CodingUserInfoKey(rawValue: "smolhog.configDirectory")!
    /// Where the graph compiler hands every stage config the environment the document was
    /// read with (`[String: String]`), for a config that names a variable holding a secret.
    public static let environment = CodingUserInfoKey(rawValue: "smolhog.environment")!
}
