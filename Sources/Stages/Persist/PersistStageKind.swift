// persist: Event → StoredEvent. Owns the choice of store driver from YAML; the drivers
// (SQLite/, Postgres/) own the transaction.

public import PipelineKit
public import ServiceLifecycle

/// `- persist: {sqlite: {path: data/smolhog.sqlite, cache_mb: 64}}` or
/// `- persist: {postgres: {url: "postgres://user:pass@host:5432/smolhog", pool: 8, batch: 5000}}` in pipeline.yaml.
public struct PersistStageKind: StageKind {
    public enum Config: Decodable, Sendable, Hashable {
        case sqlite(SQLiteStoreConfig)
        case postgres(PostgresStoreConfig)

        enum CodingKeys: String, CodingKey, CaseIterable {
            case sqlite
            case postgres
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let present = CodingKeys.allCases.filter { container.contains($0) }
            guard present.count == 1, let driver = present.first else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath,
                        debugDescription:
                            "expected exactly one store driver: \(CodingKeys.allCases.map(\.rawValue).joined(separator: " or ")), got \(present.count)"))
            }
            switch driver {
            case .sqlite: self = .sqlite(try container.decode(SQLiteStoreConfig.self, forKey: .sqlite))
            case .postgres: self = .postgres(try container.decode(PostgresStoreConfig.self, forKey: .postgres))
            }
        }
    }

    public static let name = "persist"

    public static func check(_ config: Config) -> [ConfigProblem] {
        switch config {
        case .sqlite(let sqlite): sqlite.problems()
        case .postgres(let postgres): postgres.problems()
        }
    }

    public static func build(_ config: Config, context: BuildContext) async throws -> PersistStage {
        switch config {
        case .sqlite(let sqlite):
            let path = context.resolve(path: sqlite.path)
            context.logger.info("Opening SQLite store.", metadata: ["path": "\(path)"])
            let store = try SQLiteStore(path: path, cacheMegabytes: sqlite.cacheMegabytes)
            return PersistStage(store: store, analytics: store)
        case .postgres(let postgres):
            let store = try await PostgresStore.open(postgres, logger: context.logger)
            context.logger.info("Opened PostgreSQL store; its pool runs as a service.", metadata: ["database": "\(store.endpoint)"])
            return PersistStage(store: store, analytics: store)
        }
    }

    /// `smolhogd migrate`: brings the configured store's schema up to date and says what it did.
    /// SQLite migrates itself whenever it opens; PostgreSQL is migrated only here.
    public static func migrate(_ config: Config, context: BuildContext) async throws -> String {
        switch config {
        case .sqlite(let sqlite):
            let path = context.resolve(path: sqlite.path)
            _ = try SQLiteStore(path: path)
            return "sqlite \(path) is migrated"
        case .postgres(let postgres):
            return try await PostgresMigrator.migrate(url: postgres.url, logger: context.logger).description
        }
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

    public func problems() -> [ConfigProblem] {
        guard (1...65536).contains(cacheMegabytes) else {
            return [ConfigProblem(path: ["sqlite", "cache_mb"], "is \(cacheMegabytes); expected 1...65536 MiB of page cache")]
        }
        return []
    }
}

/// The persist stage: stores a batch (without in-transaction stages when run on its own;
/// the worker path runs it with them).
public struct PersistStage: StoreStage, AnalyticsSource, StageServices {
    public let store: any EventStore
    public let analytics: any AnalyticsReader

    /// The store itself when it needs running (PostgreSQL's connection pool).
    public var services: [any Service] { (store as? any Service).map { [$0] } ?? [] }

    public func process(_ batch: Batch<Event>) async throws -> Batch<StoredEvent> {
        let stored = try await store.write(batch.items) { _ in [] }
        return Batch(items: stored, origins: Array(stored.indices), rejections: batch.rejections, receivedAt: batch.receivedAt)
    }
}
