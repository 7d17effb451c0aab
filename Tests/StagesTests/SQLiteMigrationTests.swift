import Foundation
import GRDB
import PipelineKit
import Testing

@testable import Stages

/// Upgrades of a database that an earlier smolhogd wrote.
@Suite struct SQLiteMigrationTests {
    let aggregate = AggregateStage(intervals: [.day, .hour])

    /// Version 5 turns the per-bucket user sets into 64-bit keys: users counted before the
    /// upgrade must not be counted again after it.
    @Test func userSetsSurviveTheMoveToKeys() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/s.sqlite"
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try applySQLiteMigrations(db, upTo: 4)
            // What version 4 stored for one event of u1 on 2024-05-01 at 10:00.
            let day: Int64 = 1_714_521_600_000_000
            let hour = day + 10 * 3_600_000_000
            for (interval, bucket) in [("day", day), ("hour", hour)] {
                for name in ["view", ""] {
                    try db.execute(
                        sql: "INSERT INTO rollup_bucket_users VALUES (?, ?, ?, 'u1')", arguments: [interval, bucket, name])
                    try db.execute(sql: "INSERT INTO rollup_buckets VALUES (?, ?, ?, 1, 1)", arguments: [interval, bucket, name])
                }
            }
        }
        try database.close()

        let store = try SQLiteStore(path: path)
        let aggregate = self.aggregate
        let events = [event("again", name: "view", user: "u1", at: "2024-05-01T10:30:00Z"), event("new", name: "view", user: "u2", at: "2024-05-01T10:45:00Z")]
        _ = try await store.write(events) { inserted in try aggregate.apply(Batch(inserted)).items }
        let from = Timestamp(iso8601: "2024-05-01T00:00:00Z")!
        let to = Timestamp(iso8601: "2024-05-02T00:00:00Z")!
        let day = try await store.trends(TrendQuery(eventName: "view", from: from, to: to, interval: .day))
        #expect(day.map(\.events) == [3])
        #expect(day.map(\.users) == [2])
        let hours = try await store.trends(TrendQuery(eventName: nil, from: from, to: to, interval: .hour))
        #expect(hours.filter { $0.events > 0 }.map(\.users) == [2])
    }
}

/// Applies the embedded SQLite migrations up to `version`, as a smolhogd of that version left the file.
func applySQLiteMigrations(_ db: Database, upTo version: Int) throws {
    db.add(function: BucketUserKey.sqlFunction)
    db.add(function: EventIDHash.sqlFunction)
    try db.execute(sql: "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
    for migration in try MigrationFile.parse(EmbeddedMigrations.sqlite) where migration.version <= version {
        try db.execute(sql: migration.sql)
        try db.execute(sql: "INSERT INTO schema_migrations VALUES (?, ?, 0)", arguments: [migration.version, migration.name])
    }
}

/// A store opened on a file that a smolhogd at schema `version` left holding `rows` (timestamps
/// one microsecond apart, in row order); opening it applies the later migrations.
func sqliteStoreUpgraded(from version: Int, in dir: TemporaryDirectory, rows: [(id: String, name: String, user: String)]) async throws -> SQLiteStore {
    let path = dir.path + "/s.sqlite"
    let database = try DatabaseQueue(path: path)
    try await database.write { db in
        try applySQLiteMigrations(db, upTo: version)
        for (n, row) in rows.enumerated() {
            try db.execute(
                sql: "INSERT INTO events (event_id, event_name, user_id, timestamp, received_at, created_at) VALUES (?, ?, ?, ?, 0, 0)",
                arguments: [row.id, row.name, row.user, 1_714_500_000_000_000 + Int64(n)])
        }
        // What that smolhogd's writer kept beside the rows: the page indexes of its schema.
        if version >= 6 { try db.execute(sql: "INSERT INTO events_by_user SELECT user_id, timestamp, id FROM events") }
        if version >= 9 { try db.execute(sql: "INSERT INTO events_by_name SELECT event_name, timestamp, id FROM events") }
    }
    try database.close()
    return try SQLiteStore(path: path)
}

/// The names of the indexes in `store`'s file.
func sqliteIndexNames(_ store: SQLiteStore) async throws -> [String] {
    try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
}
