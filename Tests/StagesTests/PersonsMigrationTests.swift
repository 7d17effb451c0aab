// Upgrades to the persons and groups schema (SQLite 015, PostgreSQL 011) of stores an earlier
// smolhogd wrote: its events and its per-id `persons` rows stay, and persons built after the
// upgrade see them (first and last seen, recent events of every id).

import Foundation
import GRDB
import PipelineKit
import PostgresNIO
import Testing

@testable import Stages

@Suite struct PersonsMigrationTests {
    let before = [
        event("old-1", user: "device-9", at: "2024-04-01T00:00:00Z"), event("old-2", user: "ada@example.com", at: "2024-04-02T00:00:00Z"),
    ]
    let after = [
        event("new-1", name: "$create_alias", user: "device-9", at: "2024-05-01T00:00:00Z", properties: ["alias": "ada@example.com"]),
        event("new-2", name: "$set", user: "ada@example.com", at: "2024-05-02T00:00:00Z", properties: ["$set": ["plan": "pro"]]),
    ]

    func expectJoined(_ store: any AnalyticsStore & PersonStore) async throws {
        let person = try #require(try await store.person(distinctID: "device-9"))
        #expect(person.distinctIDs == ["ada@example.com", "device-9"])
        #expect(person.properties == ["plan": "pro"])
        #expect(person.firstSeen == Timestamp(iso8601: "2024-04-01T00:00:00Z"))
        #expect(person.lastSeen == Timestamp(iso8601: "2024-05-02T00:00:00Z"))
        #expect(try await store.stats(top: 1).totalEvents == 4)
    }

    @Test func aSQLiteFileOfSchema14GainsPersonsAndKeepsItsRows() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/s.sqlite"
        do {
            // The schema-14 file, written as a schema-14 smolhogd did (aggregate only).
            let old = try SQLiteStore(path: path)
            _ = try await old.write(before, inTransaction: aggregate)
        }
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            for table in ["group_members", "group_profiles", "person_distinct_ids", "person_profiles"] { try db.execute(sql: "DROP TABLE \(table)") }
            try db.execute(sql: "DELETE FROM schema_migrations WHERE version = 15")
        }
        try database.close()
        let store = try SQLiteStore(path: path)
        _ = try await store.write(after, inTransaction: aggregateAndPersons)
        try await expectJoined(store)
    }

    @Test(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
    func aPostgreSQLDatabaseOfSchema10GainsPersonsAndKeepsItsRows() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(try PostgresEndpoint(url: url), upTo: 10, logger: postgresTestLog)
            // A schema-10 smolhogd's writes: events with their rollups and per-id persons rows.
            let schema10 = try PostgresEndpoint(url: url)
            try await schema10.withConnection(logger: postgresTestLog) {
                _ = try await $0.query(
                    """
                    INSERT INTO events (event_id, event_name, user_id, properties, timestamp) VALUES
                        ('old-1', 'page_view', 'device-9', '{}', '2024-04-01T00:00:00Z'), ('old-2', 'page_view', 'ada@example.com', '{}', '2024-04-02T00:00:00Z');
                    """, logger: postgresTestLog)
                _ = try await $0.query(
                    """
                    INSERT INTO persons (user_id, first_seen, last_seen) VALUES
                        ('device-9', '2024-04-01T00:00:00Z', '2024-04-01T00:00:00Z'), ('ada@example.com', '2024-04-02T00:00:00Z', '2024-04-02T00:00:00Z')
                    """, logger: postgresTestLog)
                _ = try await $0.query("UPDATE rollup_totals SET events = events + 2, users = users + 2 WHERE id = 1", logger: postgresTestLog)
            }
            let outcome = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            #expect(outcome.from == 10)
            try await withStore(url) { store in
                _ = try await store.write(after, inTransaction: aggregateAndPersons)
                try await expectJoined(store)
            }
        }
    }
}
