// persist: Event → StoredEvent. The stage picks a store driver by name from the registry
// (`Plugins.drivers`); the drivers (SQLite/, Postgres/, Memory/) own the transaction.

public import PipelineKit
public import ServiceLifecycle

/// `- persist: {sqlite: {path: data/smolhog.sqlite, cache_mb: 64}}`,
/// `- persist: {postgres: {url: "postgres://user:pass@host:5432/smolhog", pool: 8, batch: 5000}}`
/// or any registered `StoreDriver` in pipeline.yaml.
public struct PersistStageKind: StageKind {
    public typealias Config = StoreDriverChoice

    public static let name = "persist"

    public static func check(_ config: Config) -> [ConfigProblem] { config.problems }

    public static func build(_ config: Config, context: BuildContext) async throws -> PersistStage {
        var context = context
        context.logger[metadataKey: "driver"] = .string(config.driver.name)
        return PersistStage(store: try await config.open(context: context))
    }
}

/// The persist stage: stores a batch (without in-transaction stages when run on its own;
/// the worker path runs it with them).
public struct PersistStage: StoreStage, AnalyticsSource, StageServices {
    public let store: any EventStore
    public let analytics: any AnalyticsReader

    public init(store: any AnalyticsStore) {
        self.store = store
        self.analytics = store
    }

    /// The store itself when it needs running (PostgreSQL's connection pool).
    public var services: [any Service] { (store as? any Service).map { [$0] } ?? [] }

    public func process(_ batch: Batch<Event>) async throws -> Batch<StoredEvent> {
        let stored = try await store.write(batch.items) { _ in [] }
        return Batch(items: stored, origins: Array(stored.indices), rejections: batch.rejections, receivedAt: batch.receivedAt)
    }
}
