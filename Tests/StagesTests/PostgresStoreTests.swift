// PostgresStore and PostgresMigrator against a real PostgreSQL (SMOLHOG_TEST_POSTGRES_URL, see
// scripts/services/postgres.sh); each test gets a fresh database. Ground truth for rollups is
// COUNT / COUNT(DISTINCT) over `events`.

import Foundation
import Logging
import PipelineKit
import PostgresNIO
import Testing

@testable import Stages

private let serverURL = ProcessInfo.processInfo.environment["SMOLHOG_TEST_POSTGRES_URL"]
private let log: Logger = {
    var logger = Logger(label: "PostgresStoreTests")
    logger.logLevel = .warning
    return logger
}()
private let aggregate: @Sendable ([StoredEvent]) throws -> [RollupDelta] = { try AggregateStage(intervals: [.day, .hour]).apply(Batch($0)).items }

/// The error `body` throws, if any.
private func failure(of body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// Runs `body` with the URL of a new, empty database, dropped afterwards.
private func withDatabase(_ body: (String) async throws -> Void) async throws {
    let serverText = try #require(serverURL)
    var components = try #require(URLComponents(string: serverText))
    let server = try PostgresEndpoint(url: serverText)
    let name = "smolhog_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    try await server.withConnection(logger: log) { _ = try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: log) }
    components.path = "/" + name
    let url = try #require(components.string)
    let error = await failure { try await body(url) }
    try await server.withConnection(logger: log) {
        _ = try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: log)
    }
    if let error { throw error }
}

/// Opens the store and runs its pool while `body` runs.
private func withStore(_ url: String, leaseTimeout: Duration = .seconds(10), _ body: (PostgresStore) async throws -> Void) async throws {
    let store = try await PostgresStore.open(PostgresStoreConfig(url: url, pool: 4, batch: 7), logger: log, leaseTimeout: leaseTimeout)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.run() }
        let error = await failure { try await body(store) }
        group.cancelAll()
        if let error { throw error }
    }
}

/// Rows of `sql`, decoded by `decode`.
private func fetch<Row: Sendable>(_ url: String, _ sql: String, _ decode: @escaping @Sendable (PostgresRow) throws -> Row) async throws -> [Row] {
    try await PostgresEndpoint(url: url).withConnection(logger: log) { connection in
        do {
            var rows: [Row] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: log) { rows.append(try decode(row)) }
            return rows
        } catch {
            throw StoreError(.queryFailed, "\(sql): \(PostgresErrorText.describe(error))")
        }
    }
}

private func count(_ url: String, _ sql: String) async throws -> Int64 {
    try await fetch(url, sql) { try $0.decode(Int64.self) }.first ?? -1
}

private func events(_ range: Range<Int>) -> [Event] {
    range.map { i in
        Event(
            eventID: "e\(i)", eventName: ["view", "signup", "buy", "open"][i % 4], userID: "u\(i % 7)",
            properties: ["a": .number(JSONNumber(i)), "bb": "x"],
            timestamp: Timestamp(microseconds: 1_714_500_000_000_000 + Int64(i) * 1_234_567_891 + Int64(i % 3)),
            sessionID: i % 2 == 0 ? "s\(i / 10)" : nil, receivedAt: Timestamp(microseconds: 1_714_600_000_000_000 + Int64(i)))
    }
}

/// Stats, trends and persons equal what a scan of `events` says.
private func expectRollupsExact(_ store: PostgresStore, _ url: String) async throws {
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

@Suite(.enabled(if: serverURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresStoreTests {
    let known = (try? PostgresMigrator.known()) ?? []

    @Test func migratesAnEmptyDatabaseOnceThenHasNothingToDo() async throws {
        try await withDatabase { url in
            let first = try await PostgresMigrator.migrate(url: url, logger: log)
            #expect(first.from == 0 && first.to == known.last?.version && first.applied == known.map(\.name))
            try await PostgresMigrator.requireMigrated(url: url, logger: log)
            let second = try await PostgresMigrator.migrate(url: url, logger: log)
            #expect(second.applied.isEmpty && second.from == first.to)
        }
    }

    @Test func migratesFromEveryEarlierVersionKeepingRollupsExact() async throws {
        let rollups = try #require(known.first { $0.name.contains("rollups") }?.version)
        for version in known.dropLast().map(\.version) {
            try await withDatabase { url in
                let endpoint = try PostgresEndpoint(url: url)
                _ = try await PostgresMigrator.migrate(endpoint, upTo: version, logger: log)
                if version < rollups {
                    // Rows written by the reference system, before rollups existed.
                    try await endpoint.withConnection(logger: log) {
                        _ = try await $0.query(
                            """
                            INSERT INTO events (event_id, event_name, user_id, properties, timestamp, session_id)
                            SELECT 'e' || g, (ARRAY['view', 'signup', 'buy', 'open'])[g % 4 + 1], 'u' || (g % 7), '{"n": 1}',
                                TIMESTAMPTZ '2024-04-30 18:00:00+00' + g * INTERVAL '37 minutes', NULL
                            FROM generate_series(0, 39) AS g
                            """, logger: log)
                    }
                }
                await #expect(throws: StoreError.self) { try await PostgresMigrator.requireMigrated(url: url, logger: log) }
                let outcome = try await PostgresMigrator.migrate(url: url, logger: log)
                #expect(outcome.from == version && outcome.to == known.last?.version)
                try await withStore(url) { store in
                    let stored = try await store.write(events(30..<60), inTransaction: aggregate)
                    #expect(stored.map(\.event.eventID) == events(version < rollups ? 40..<60 : 30..<60).map(\.eventID))
                    try await expectRollupsExact(store, url)
                }
            }
        }
    }

    @Test func concurrentMigrationsTakeTurns() async throws {
        try await withDatabase { url in
            let outcomes = try await withThrowingTaskGroup(of: PostgresMigrator.Outcome.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresMigrator.migrate(url: url, logger: log) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.flatMap(\.applied).sorted() == known.map(\.name).sorted())
            #expect(outcomes.allSatisfy { $0.to == known.last?.version })
            #expect(try await count(url, "SELECT COUNT(*) FROM schema_migrations") == Int64(known.count))
        }
    }

    @Test func duplicateDeliveryInsertsOnceAndPassesOnOnlyNewEvents() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: log)
            try await withStore(url) { store in
                let batch = events(0..<20)
                let first = try await store.write(batch + [batch[3]]) { inserted in
                    #expect(inserted.map(\.event) == batch)
                    return []
                }
                #expect(first.map(\.event) == batch)
                let again = try await store.write(batch) { inserted in
                    #expect(inserted.isEmpty)
                    return []
                }
                #expect(again.isEmpty)
                let mixed = try await store.write(Array(batch[10...]) + events(20..<30), inTransaction: aggregate)
                #expect(mixed.map(\.event) == events(20..<30))
                #expect(try await count(url, "SELECT COUNT(*) FROM events") == 30)
                // A failing in-transaction stage rolls the whole batch back.
                struct StageFailed: Error {}
                await #expect(throws: StageFailed.self) { try await store.write(events(40..<45)) { _ in throw StageFailed() } }
                #expect(try await count(url, "SELECT COUNT(*) FROM events") == 30)
                let page = try await store.events(EventQuery(limit: 100, userID: "u3"))
                #expect(Set(page.rows.map(\.event)) == Set(events(0..<30).filter { $0.userID == "u3" }))
                #expect(await store.health().up)
            }
        }
    }

    @Test func rollupsAreExactAfterConcurrentRedelivery() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: log)
            try await withStore(url) { store in
                let all = events(0..<300)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            let order = writer % 2 == 0 ? all : Array(all.reversed())
                            for start in stride(from: 0, to: order.count, by: 40 + writer * 13) {
                                _ = try await store.write(Array(order[start..<min(start + 60, order.count)]), inTransaction: aggregate)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                try await expectRollupsExact(store, url)
            }
        }
    }

    @Test func keysetPagesReturnEveryRowOnceNewestFirst() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: log)
            try await withStore(url) { store in
                let tied = events(0..<95).enumerated().map { index, e -> Event in
                    var e = e
                    e.timestamp = Timestamp(microseconds: 1_714_500_000_000_000 + Int64(index / 10) * 1_000_001)
                    return e
                }
                _ = try await store.write(tied, inTransaction: aggregate)
                let before = tied[50].timestamp
                let filters: [(EventQuery, String)] = [
                    (EventQuery(limit: 7), ""), (EventQuery(limit: 7, eventName: "buy"), "WHERE event_name = 'buy'"),
                    (EventQuery(limit: 7, userID: "u2"), "WHERE user_id = 'u2'"),
                    (EventQuery(limit: 7, before: before), "WHERE timestamp < 'epoch'::timestamptz + \(before.microseconds) * INTERVAL '1 microsecond'"),
                ]
                for (query, filter) in filters {
                    var query = query
                    var rows: [StoredRow] = []
                    while true {
                        let page = try await store.events(query)
                        #expect(page.rows.count <= 7)
                        rows += page.rows
                        guard let next = page.next else { break }
                        query.after = next
                    }
                    let keys = rows.map { ($0.event.timestamp.microseconds, $0.id) }
                    #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 > $1 })
                    #expect(Int64(rows.count) == (try await count(url, "SELECT COUNT(*) FROM events \(filter)")))
                }
            }
        }
    }

    @Test func refusesUnmigratedAndTooNewDatabases() async throws {
        try await withDatabase { url in
            let config = PostgresStoreConfig(url: url)
            var error = await #expect(throws: StoreError.self) { try await PostgresStore.open(config, logger: log) }
            #expect(error?.code == .notMigrated && error?.message.contains("(schema version 0, this smolhogd needs") == true)
            #expect(error?.message.contains("run `smolhogd migrate --config FILE`") == true)
            _ = try await PostgresMigrator.migrate(try PostgresEndpoint(url: url), upTo: 2, logger: log)
            error = await #expect(throws: StoreError.self) { try await PostgresStore.open(config, logger: log) }
            #expect(error?.code == .notMigrated && error?.message.contains("schema version 2,") == true)
            _ = try await PostgresMigrator.migrate(url: url, logger: log)
            _ = try await PostgresStore.open(config, logger: log)
            let future = (known.last?.version ?? 0) + 1
            _ = try await fetch(url, "INSERT INTO schema_migrations (version, name) VALUES (\(future), 'future.sql') RETURNING version") { _ in 0 }
            error = await #expect(throws: StoreError.self) { try await PostgresStore.open(config, logger: log) }
            #expect(error?.code == .schemaTooNew)
            error = await #expect(throws: StoreError.self) { try await PostgresMigrator.migrate(url: url, logger: log) }
            #expect(error?.code == .schemaTooNew)
            // A server that refuses the login is a configuration error, not an outage to wait out.
            let missing = url.replacingOccurrences(of: "/smolhog_test_", with: "/smolhog_missing_")
            error = await #expect(throws: StoreError.self) { try await PostgresStore.open(PostgresStoreConfig(url: missing), logger: log) }
            #expect(error?.code == .badConfig)
        }
    }

    @Test func persistStageMigratesAndBuildsAStoreWhosePoolRunsAsAService() async throws {
        try await withDatabase { url in
            let config = PersistStageKind.Config.postgres(PostgresStoreConfig(url: url))
            let context = BuildContext(baseDirectory: "/", logger: log, role: .worker)
            #expect(try await PersistStageKind.migrate(config, context: context).contains("from schema version 0"))
            let stage = try await PersistStageKind.build(config, context: context)
            let service = try #require(stage.services.first)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                let stored = try await stage.process(Batch(events(0..<5)))
                group.cancelAll()
                #expect(stored.count == 5)
            }
        }
    }

    @Test func reportsDownAndFailsWritesWhenTheServerIsUnreachable() async throws {
        // Port 1 on loopback: nothing listens, connections are refused at once.
        try await withStore("postgres://smolhog@127.0.0.1:1/smolhog", leaseTimeout: .milliseconds(500)) { store in
            let health = await store.health()
            #expect(!health.up && health.detail?.contains("cannot reach PostgreSQL") == true)
            let error = await #expect(throws: StoreError.self) { try await store.write(events(0..<3), inTransaction: aggregate) }
            #expect(error?.code == .unavailable)
        }
    }
}

@Suite struct PostgresConfigTests {
    @Test func splitsScriptsOnTopLevelSemicolonsOnly() {
        let sql = "CREATE TABLE a (x text DEFAULT ';');\n-- c;\n/* d; */ SELECT $f$;$f$, \"q;\";\n\n"
        #expect(PostgresSQLScript.statements(sql) == ["CREATE TABLE a (x text DEFAULT ';')", "SELECT $f$;$f$, \"q;\""])
    }

    @Test func yamlProblemsPointAtTheKey() throws {
        let yaml = """
            stages:
              - validate: {}
              - queue: {embedded: {path: q.sqlite}}
              - persist:
                  postgres: {url: "mysql://h/db", pool: 0}
            """
        let document = try PipelineDocument.parse(yaml, file: "pipeline.yaml", environment: [:])
        do {
            _ = try GraphCompiler.compile(document, registry: StageRegistry.builtIn())
            Issue.record("a bad postgres config compiled")
        } catch {
            #expect(error.issues.map { "\($0.line):\($0.code.rawValue)" } == ["5:invalid_value", "5:invalid_value"])
        }
        let good = yaml.replacingOccurrences(of: "mysql://h/db\", pool: 0", with: "postgres://u:${PW}@h/db\", pool: 2")
        _ = try GraphCompiler.compile(PipelineDocument.parse(good, file: "pipeline.yaml", environment: ["PW": "s"]), registry: StageRegistry.builtIn())
    }

    @Test func checksTheURLPoolAndBatch() {
        #expect(PostgresStoreConfig(url: "postgres://u@h:5432/db").problems().isEmpty)
        let problems = PostgresStoreConfig(url: "mysql://h/db", pool: 0, batch: 0).problems()
        #expect(problems.map(\.path) == [["postgres", "url"], ["postgres", "pool"], ["postgres", "batch"]])
        #expect(PostgresStoreConfig(url: "postgres://u@h/db?sslmode=maybe").problems().first?.message.contains("sslmode") == true)
    }
}
