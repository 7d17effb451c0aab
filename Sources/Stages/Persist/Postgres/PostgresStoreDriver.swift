// `persist: {postgres: {...}}`: how the PostgreSQL driver opens and migrates. The config's
// shape is in PostgresStoreConfig.swift; the store in PostgresStore.swift.

public import PipelineKit

/// The PostgreSQL store driver: pooled connections, COPY batches, migrations applied only
/// by `smolhogd migrate` (serving refuses an unmigrated database).
public enum PostgresStoreDriver: StoreDriver {
    public static let name = "postgres"

    public static func check(_ config: PostgresStoreConfig) -> [ConfigProblem] { config.problems() }

    public static func open(_ config: PostgresStoreConfig, context: BuildContext) async throws -> any AnalyticsStore {
        let store = try await PostgresStore.open(config, logger: context.logger)
        context.logger.info("Opened PostgreSQL store; its pool runs as a service.", metadata: ["database": "\(store.endpoint)"])
        return store
    }

    /// `events` holds ids, names and session ids in `VARCHAR(255)` (characters; 255 bytes
    /// are at most 255 characters), and times in `timestamptz`, which starts at 4714-11-24 BC.
    public static func limits(_ config: PostgresStoreConfig) -> StoreLimits {
        StoreLimits(
            maxIDBytes: 255, maxEventNameBytes: 255,
            timestamps: Timestamp(microseconds: -210_866_803_200_000_000)...Timestamp(microseconds: .max))
    }

    public static func migrate(_ config: PostgresStoreConfig, context: BuildContext) async throws -> String {
        try await PostgresMigrator.migrate(url: config.url, logger: context.logger).description
    }
}
