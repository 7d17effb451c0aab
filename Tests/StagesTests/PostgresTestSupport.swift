// What the PostgreSQL store tests share: a fresh database per test on the server at
// SMOLHOG_TEST_POSTGRES_URL (see scripts/services/postgres.sh), a store with its pool running,
// ground-truth queries, and the check that rollups equal COUNT / COUNT(DISTINCT) over `events`.

import Foundation
import Logging
import PipelineKit
import PostgresNIO
import Testing

@testable import Stages

let postgresTestURL = ProcessInfo.processInfo.environment["SMOLHOG_TEST_POSTGRES_URL"]
let postgresTestLog: Logger = {
    var logger = Logger(label: "PostgresStoreTests")
    logger.logLevel = .warning
    return logger
}()
let aggregate: @Sendable ([StoredEvent]) throws -> [RollupDelta] = { try AggregateStage(intervals: [.day, .hour]).apply(Batch($0)).items }

/// The error `body` throws, if any.
func failure(of body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// Runs `body` with the URL of a new, empty database, dropped afterwards.
func withDatabase(_ body: (String) async throws -> Void) async throws {
    let serverText = try #require(postgresTestURL)
    var components = try #require(URLComponents(string: serverText))
    let server = try PostgresEndpoint(url: serverText)
    let name = "smolhog_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    try await server.withConnection(logger: postgresTestLog) {
        _ = try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: postgresTestLog)
    }
    components.path = "/" + name
    let url = try #require(components.string)
    let error = await failure { try await body(url) }
    try await server.withConnection(logger: postgresTestLog) {
        _ = try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: postgresTestLog)
    }
    if let error { throw error }
}

/// Opens the store and runs its pool while `body` runs.
func withStore(
    _ url: String, pool: Int = 4, leaseTimeout: Duration = .seconds(10), operationTimeoutMilliseconds: Int = 30_000,
    _ body: (PostgresStore) async throws -> Void
) async throws {
    let config = PostgresStoreConfig(url: url, pool: pool, batch: 7, operationTimeoutMilliseconds: operationTimeoutMilliseconds)
    let store = try await PostgresStore.open(config, logger: postgresTestLog, leaseTimeout: leaseTimeout)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.run() }
        let error = await failure { try await body(store) }
        group.cancelAll()
        if let error { throw error }
    }
}

/// Writes `batch` as the worker does after a transient failure: again until it goes through or
/// a minute has passed. Nil if it never went through.
func writeRetrying(_ store: PostgresStore, _ batch: [Event]) async -> [StoredEvent]? {
    let clock = ContinuousClock()
    let until = clock.now.advanced(by: .seconds(60))
    while clock.now < until {
        if let stored = try? await store.write(batch, inTransaction: aggregate) { return stored }
    }
    return nil
}

/// Rows of `sql`, decoded by `decode`.
func fetch<Row: Sendable>(_ url: String, _ sql: String, _ decode: @escaping @Sendable (PostgresRow) throws -> Row) async throws -> [Row] {
    try await PostgresEndpoint(url: url).withConnection(logger: postgresTestLog) { connection in
        do {
            var rows: [Row] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: postgresTestLog) { rows.append(try decode(row)) }
            return rows
        } catch {
            throw StoreError(.queryFailed, "\(sql): \(PostgresErrorText.describe(error))")
        }
    }
}

func count(_ url: String, _ sql: String) async throws -> Int64 {
    try await fetch(url, sql) { try $0.decode(Int64.self) }.first ?? -1
}

/// Runs `sql` with psql (at most 30 s) and returns its unaligned output, blocking the calling
/// thread: only for code that cannot await, such as a store's in-transaction stages.
func psql(_ url: String, _ sql: String) throws -> String {
    struct PsqlFailed: Error, CustomStringConvertible { var description: String }
    let result = try ChildProcess.runBlocking("/usr/bin/timeout", ["30", "/usr/bin/psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
    guard result.status == 0 else { throw PsqlFailed(description: "psql exited with \(result.status) running \(sql): \(result.output)") }
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Events `e<i>`; `padding` adds a string property of that many bytes to each.
func events(_ range: Range<Int>, padding: Int = 0) -> [Event] {
    let pad: JSONValue = .string(String(repeating: "p", count: padding))
    return range.map { i in
        Event(
            eventID: "e\(i)", eventName: ["view", "signup", "buy", "open"][i % 4], userID: "u\(i % 7)",
            properties: padding > 0 ? ["a": .number(JSONNumber(i)), "bb": "x", "pad": pad] : ["a": .number(JSONNumber(i)), "bb": "x"],
            timestamp: Timestamp(microseconds: 1_714_500_000_000_000 + Int64(i) * 1_234_567_891 + Int64(i % 3)),
            sessionID: i % 2 == 0 ? "s\(i / 10)" : nil, receivedAt: Timestamp(microseconds: 1_714_600_000_000_000 + Int64(i)))
    }
}

/// Stats, trends and persons equal what a scan of `events` says.
func expectRollupsExact(_ store: PostgresStore, _ url: String) async throws {
    let stats = try await store.stats(top: 100)
    #expect(stats.totalEvents == (try await count(url, "SELECT COUNT(*) FROM events")))
    #expect(stats.uniqueUsers == (try await count(url, "SELECT COUNT(DISTINCT user_id) FROM events")))
    let top = try await fetch(url, #"SELECT event_name, COUNT(*) FROM events GROUP BY 1 ORDER BY 2 DESC, event_name COLLATE "C""#) {
        try $0.decode((String, Int64).self)
    }
    #expect(stats.topEvents.map(\.name) == top.map(\.0))
    #expect(stats.topEvents.map(\.count) == top.map(\.1))
    for interval in RollupDelta.Interval.allCases {
        for name in [nil, "view", "buy", "none"] as [String?] {
            let query = TrendQuery(eventName: name, from: Timestamp(microseconds: 0), to: Timestamp(microseconds: 4_000_000_000_000_000), interval: interval)
            let filter = name.map { "WHERE event_name = '\($0)'" } ?? ""
            let truth = try await fetch(
                url,
                """
                SELECT (extract(epoch FROM date_trunc('\(interval.rawValue)', timestamp, 'UTC')) * 1000000)::int8, COUNT(*), COUNT(DISTINCT user_id)
                FROM events \(filter) GROUP BY 1 ORDER BY 1
                """
            ) { try $0.decode((Int64, Int64, Int64).self) }
            #expect(try await store.trends(query) == truth.map { TrendPoint(bucket: Timestamp(microseconds: $0.0), events: $0.1, users: $0.2) })
        }
    }
    let personsRight = """
        SELECT COUNT(*) FROM persons p JOIN (SELECT user_id, MIN(timestamp) AS f, MAX(timestamp) AS l FROM events GROUP BY user_id) e
        ON e.user_id = p.user_id AND e.f = p.first_seen AND e.l = p.last_seen
        """
    #expect(try await count(url, personsRight) == stats.uniqueUsers)
    #expect(try await count(url, "SELECT COUNT(*) FROM persons") == stats.uniqueUsers)
}
