// PostgresStore and PostgresMigrator against a real PostgreSQL (SMOLHOG_TEST_POSTGRES_URL, see
// scripts/services/postgres.sh): migrations, idempotent writes with exact rollups, reads. Each
// test gets a fresh database (PostgresTestSupport.swift); outages are in PostgresStoreOutageTests.

import Foundation
import Logging
import PipelineKit
import PostgresNIO
import Testing

@testable import Stages

@Suite(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresStoreTests {
    let known = (try? PostgresMigrator.known()) ?? []

    @Test func migratesAnEmptyDatabaseOnceThenHasNothingToDo() async throws {
        try await withDatabase { url in
            let first = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            #expect(first.from == 0 && first.to == known.last?.version && first.applied == known.map(\.name))
            try await PostgresMigrator.requireMigrated(url: url, logger: postgresTestLog)
            let second = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            #expect(second.applied.isEmpty && second.from == first.to)
        }
    }

    @Test func migratesFromEveryEarlierVersionKeepingRollupsExact() async throws {
        let rollups = try #require(known.first { $0.name.contains("rollups") }?.version)
        for version in known.dropLast().map(\.version) {
            try await withDatabase { url in
                let endpoint = try PostgresEndpoint(url: url)
                _ = try await PostgresMigrator.migrate(endpoint, upTo: version, logger: postgresTestLog)
                if version < rollups {
                    // Rows written by the reference system, before rollups existed.
                    try await endpoint.withConnection(logger: postgresTestLog) {
                        _ = try await $0.query(
                            """
                            INSERT INTO events (event_id, event_name, user_id, properties, timestamp, session_id)
                            SELECT 'e' || g, (ARRAY['view', 'signup', 'buy', 'open'])[g % 4 + 1], 'u' || (g % 7), '{"n": 1}',
                                TIMESTAMPTZ '2024-04-30 18:00:00+00' + g * INTERVAL '37 minutes', NULL
                            FROM generate_series(0, 39) AS g
                            """, logger: postgresTestLog)
                    }
                }
                await #expect(throws: StoreError.self) { try await PostgresMigrator.requireMigrated(url: url, logger: postgresTestLog) }
                let outcome = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
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
                for _ in 0..<4 { group.addTask { try await PostgresMigrator.migrate(url: url, logger: postgresTestLog) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.flatMap(\.applied).sorted() == known.map(\.name).sorted())
            #expect(outcomes.allSatisfy { $0.to == known.last?.version })
            #expect(try await count(url, "SELECT COUNT(*) FROM schema_migrations") == Int64(known.count))
        }
    }

    @Test func duplicateDeliveryInsertsOnceAndPassesOnOnlyNewEvents() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
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
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            try await withStore(url) { store in
                let all = events(0..<300)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            let order = writer % 2 == 0 ? all : Array(all.reversed())
                            for start in stride(from: 0, to: order.count, by: 40 + writer * 13) {
                                _ = try await store.write(Array(order[start..<min(start + 60, order.count)]), inTransaction: aggregate)
                                // Idle releases in between: forgotten pairs must be found in the table.
                                if start % 3 == 0 { await store.releaseMemory() }
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
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
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
            var error = await #expect(throws: StoreError.self) { try await PostgresStore.open(config, logger: postgresTestLog) }
            #expect(error?.code == .notMigrated && error?.message.contains("(schema version 0, this smolhogd needs") == true)
            #expect(error?.message.contains("run `smolhogd migrate --config FILE`") == true)
            _ = try await PostgresMigrator.migrate(try PostgresEndpoint(url: url), upTo: 2, logger: postgresTestLog)
            error = await #expect(throws: StoreError.self) { try await PostgresStore.open(config, logger: postgresTestLog) }
            #expect(error?.code == .notMigrated && error?.message.contains("schema version 2,") == true)
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            _ = try await PostgresStore.open(config, logger: postgresTestLog)
            let future = (known.last?.version ?? 0) + 1
            _ = try await fetch(url, "INSERT INTO schema_migrations (version, name) VALUES (\(future), 'future.sql') RETURNING version") { _ in 0 }
            error = await #expect(throws: StoreError.self) { try await PostgresStore.open(config, logger: postgresTestLog) }
            #expect(error?.code == .schemaTooNew)
            error = await #expect(throws: StoreError.self) { try await PostgresMigrator.migrate(url: url, logger: postgresTestLog) }
            #expect(error?.code == .schemaTooNew)
            // A server that refuses the login is a configuration error, not an outage to wait out.
            let missing = url.replacingOccurrences(of: "/smolhog_test_", with: "/smolhog_missing_")
            error = await #expect(throws: StoreError.self) { try await PostgresStore.open(PostgresStoreConfig(url: missing), logger: postgresTestLog) }
            #expect(error?.code == .badConfig)
        }
    }

    @Test func persistStageMigratesAndBuildsAStoreWhosePoolRunsAsAService() async throws {
        try await withDatabase { url in
            let graph = try compile(
                """
                stages:
                  - validate: {}
                  - queue: {memory: {}}
                  - persist: {postgres: {url: "\(url)"}}
                """, plugins: testPlugins)
            let config = try #require(graph.storeDriver)
            #expect(config.driver.name == PostgresStoreDriver.name)
            let context = BuildContext(baseDirectory: "/", logger: postgresTestLog, role: .worker)
            #expect(try await config.migrate(context: context).contains("from schema version 0"))
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
}
