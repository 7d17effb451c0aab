// PostgresStoreConfig: the `postgres:` options of the persist stage, decoded strictly and
// checked without I/O (the URL is parsed, nothing is connected).

public import PipelineKit

/// `- persist: {postgres: {url: "postgres://user:${PGPASSWORD}@host:5432/smolhog", pool: 8, batch: 5000}}`
public struct PostgresStoreConfig: Decodable, Sendable, Hashable {
    /// `postgres://user:password@host:port/database[?sslmode=disable|prefer|require|verify-full]`.
    public var url: String
    /// Most connections the pool opens.
    public var pool: Int = 8
    /// Most events per INSERT statement; a larger batch takes several, in one transaction.
    public var batch: Int = 5000

    public init(url: String, pool: Int = 8, batch: Int = 5000) {
        self.url = url
        self.pool = pool
        self.batch = batch
    }

    enum CodingKeys: String, CodingKey {
        case url
        case pool
        case batch
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        pool = try container.decodeIfPresent(Int.self, forKey: .pool) ?? pool
        batch = try container.decodeIfPresent(Int.self, forKey: .batch) ?? batch
    }

    /// Problems with the values, each pointing at its key below the stage's node.
    public func problems() -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        do {
            _ = try PostgresEndpoint(url: url)
        } catch let error as StoreError {
            problems.append(ConfigProblem(path: ["postgres", "url"], error.message))
        } catch {
            problems.append(ConfigProblem(path: ["postgres", "url"], "\(error)"))
        }
        if !(1...1000).contains(pool) { problems.append(ConfigProblem(path: ["postgres", "pool"], "is \(pool); expected 1...1000 connections")) }
        if !(1...100_000).contains(batch) {
            problems.append(ConfigProblem(path: ["postgres", "batch"], "is \(batch); expected 1...100000 events per statement"))
        }
        return problems
    }
}
