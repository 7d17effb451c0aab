// persist: Event → StoredEvent. Owns the choice of store driver from YAML; the drivers
// (SQLite/, Postgres/) own the transaction.

public import PipelineKit

/// `- persist: {sqlite: {path: data/smolhog.sqlite}}` in pipeline.yaml.
public struct PersistStageKind: StageKind {
    public enum Config: Decodable, Sendable, Hashable {
        case sqlite(SQLiteStoreConfig)

        enum CodingKeys: String, CodingKey, CaseIterable {
            case sqlite
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let present = CodingKeys.allCases.filter { container.contains($0) }
            guard present.count == 1, let driver = present.first else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath,
                        debugDescription: "expected exactly one store driver: \(CodingKeys.allCases.map(\.rawValue).joined(separator: " or ")), got \(present.count)"))
            }
            switch driver {
            case .sqlite: self = .sqlite(try container.decode(SQLiteStoreConfig.self, forKey: .sqlite))
            }
        }
    }

    public static let name = "persist"

    public static func build(_ config: Config, context: BuildContext) async throws -> PersistStage {
        switch config {
        case .sqlite(let sqlite):
            let path = context.resolve(path: sqlite.path)
            context.logger.info("Opening SQLite store.", metadata: ["path": "\(path)"])
            let store = try SQLiteStore(path: path)
            return PersistStage(store: store, analytics: store)
        }
    }
}

/// `sqlite:` options.
public struct SQLiteStoreConfig: Decodable, Sendable, Hashable {
    public var path: String = "data/smolhog.sqlite"
    public init() {}
    enum CodingKeys: String, CodingKey { case path }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decodeIfPresent(String.self, forKey: .path) ?? path
    }
}

/// The persist stage: stores a batch (without in-transaction stages when run on its own;
/// the worker path runs it with them).
public struct PersistStage: StoreStage, AnalyticsSource {
    public let store: any EventStore
    public let analytics: any AnalyticsReader

    public func process(_ batch: Batch<Event>) async throws -> Batch<StoredEvent> {
        let stored = try await store.write(batch.items) { _ in [] }
        return Batch(items: stored, origins: Array(stored.indices), rejections: batch.rejections, receivedAt: batch.receivedAt)
    }
}
