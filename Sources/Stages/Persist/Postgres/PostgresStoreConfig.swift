// PostgresStoreConfig: the `postgres:` options of the persist stage, decoded strictly and
// checked without I/O (the URL is parsed, nothing is connected).

public import PipelineKit

/// `- persist: {postgres: {url: "postgres://user:${PGPASSWORD}@host:5432/smolhog", pool: 8, batch: 5000, operation_timeout_ms: 30000}}`
public struct PostgresStoreConfig: Decodable, Sendable, Hashable {
    /// `postgres://user:password@host:port/database[?sslmode=disable|prefer|require|verify-full]`.
    public var url: String
    /// Most connections the pool opens.
    public var pool: Int = 8
    /// Most events per staged INSERT statement (a batch that repeats stored event_ids); a
    /// larger batch takes several, in one transaction. A batch of new events is one COPY.
    public var batch: Int = 5000
    /// The most one store operation (a batch's write transaction, a read, the schema check)
    /// may take, in milliseconds. Past it the operation fails as an outage (the worker retries
    /// it; writes are idempotent) and its connection is closed.
    public var operationTimeoutMilliseconds: Int = 30_000

    public init(url: String, pool: Int = 8, batch: Int = 5000, operationTimeoutMilliseconds: Int = 30_000) {
        self.url = url
        self.pool = pool
        self.batch = batch
        self.operationTimeoutMilliseconds = operationTimeoutMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case url
        case pool
        case batch
        case operationTimeoutMilliseconds = "operation_timeout_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        pool = try container.decodeIfPresent(Int.self, forKey: .pool) ?? pool
        batch = try container.decodeIfPresent(Int.self, forKey: .batch) ?? batch
        operationTimeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .operationTimeoutMilliseconds) ?? operationTimeoutMilliseconds
    }

    /// Problems with the values, each pointing at its key below the stage's node.
    public func problems() -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        do {
            _ = try PostgresEndpoint(url: url)
        } catch let error as StoreError {
            problems.append(ConfigProblem(path: ["url"], error.message))
        } catch {
            problems.append(ConfigProblem(path: ["url"], "\(error)"))
        }
        if !(1...1000).contains(pool) { problems.append(ConfigProblem(path: ["pool"], "is \(pool); expected 1...1000 connections")) }
        if !(1...100_000).contains(batch) {
            problems.append(ConfigProblem(path: ["batch"], "is \(batch); expected 1...100000 events per statement"))
        }
        if !(100...3_600_000).contains(operationTimeoutMilliseconds) {
            problems.append(
                ConfigProblem(
                    path: ["operation_timeout_ms"], "is \(operationTimeoutMilliseconds); expected 100...3600000 milliseconds per store operation"))
        }
        return problems
    }
}
