// `persist: {sqlite: {...}}`: the driver's YAML shape and how it opens. The store itself
// (SQLiteStore.swift) owns the transaction; it migrates itself whenever it opens.

public import PipelineKit

/// The SQLite store driver: the embedded default, one file, WAL mode.
public enum SQLiteStoreDriver: StoreDriver {
    public static let name = "sqlite"

    public static func check(_ config: SQLiteStoreConfig) -> [ConfigProblem] { config.problems() }

    public static func open(_ config: SQLiteStoreConfig, context: BuildContext) async throws -> any AnalyticsStore {
        let path = context.resolve(path: config.path)
        context.logger.info("Opening SQLite store.", metadata: ["path": "\(path)"])
        return try SQLiteStore(path: path, cacheMegabytes: config.cacheMegabytes)
    }

    /// Opening migrates; this says so.
    public static func migrate(_ config: SQLiteStoreConfig, context: BuildContext) async throws -> String {
        let path = context.resolve(path: config.path)
        _ = try SQLiteStore(path: path)
        return "sqlite \(path) is migrated"
    }
}

/// `sqlite:` options.
public struct SQLiteStoreConfig: Decodable, Sendable, Hashable {
    public var path: String = "data/smolhog.sqlite"
    /// The worker's page cache, in MiB (`cache_mb`). It fills only as pages are touched.
    public var cacheMegabytes: Int = SQLiteStore.defaultCacheMegabytes
    public init() {}
    enum CodingKeys: String, CodingKey {
        case path
        case cacheMegabytes = "cache_mb"
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decodeIfPresent(String.self, forKey: .path) ?? path
        cacheMegabytes = try container.decodeIfPresent(Int.self, forKey: .cacheMegabytes) ?? cacheMegabytes
    }

    /// Problems found without opening the file, each naming its field.
    public func problems() -> [ConfigProblem] {
        guard (1...65536).contains(cacheMegabytes) else {
            return [ConfigProblem(path: ["cache_mb"], "is \(cacheMegabytes); expected 1...65536 MiB of page cache")]
        }
        return []
    }
}
