// SQLiteStore: the embedded store (GRDB, WAL). Owns the write transaction: insert new
// events, run the in-transaction stages on exactly those, apply their rollup deltas, commit.
// Reads live in SQLiteStore+Analytics.swift, schema changes in SQLiteMigrator.swift.

import Foundation
internal import GRDB
public import PipelineKit
public import ServiceLifecycle

/// Events, rollups and persons in one SQLite file.
public final class SQLiteStore: EventStore, DeadLetterReader, Service, Sendable {
    let pool: DatabasePool
    let path: String
    let checkpointer: WALCheckpointer
    /// Which event ids are stored (SQLiteStore+EventIDs.swift), the per-user and per-name
    /// indexes of event pages (SQLiteStore+PageIndexes.swift), each in three tiers, and the
    /// caches over them, behind one interface (SQLiteWriteIndex.swift).
    let writeIndex: SQLiteWriteIndex
    var usersIndex: SQLiteKeyTiers { writeIndex.usersIndex }
    var namesIndex: SQLiteKeyTiers { writeIndex.namesIndex }

    /// Rows each recent tier collects before they move down (see SQLiteKeyTiers).
    public static let defaultRecentTierRows = 100_000

    /// The writer's page cache unless configured (`cache_mb`).
    public static let defaultCacheMegabytes = 64

    /// Opens (creating if needed) the database and applies pending migrations.
    public init(path: String, cacheMegabytes: Int = defaultCacheMegabytes, recentTierRows: Int = defaultRecentTierRows) throws {
        writeIndex = SQLiteWriteIndex(recentTierRows: recentTierRows)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Indexes and rollup tables outgrow SQLite's 2 MB default page cache within a few
            // hundred thousand events; every miss is then a pread copy. The writer gets a
            // bigger cache (readers, which only read rollups and pages of events, keep the
            // default). The cache fills only as pages are touched, so idle RSS stays small.
            // (Memory-mapping the file measured the same throughput and counted every touched
            // page of the database in RSS: 900 MB after 1.5M events.) As the indexes outgrow
            // it, inserts slow down; `cache_mb` raises it. (Before the per-user index had two
            // tiers, it was the one that did: 28k rows/s at 5M events, 38k with 256 MB.)
            // 16 KiB pages (for files this creates; an existing file keeps its size): the
            // worker alone stores about a fifth more events per second than with 4 KiB, fewer
            // splits and dirty pages per batch in the keyset indexes (32 KiB: the same, 64 KiB:
            // slower).
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA cache_size = -\(cacheMegabytes * 1024)")
            }
            try WALCheckpointer.configureWriter(db)
            db.add(function: BucketUserKey.sqlFunction)
            db.add(function: EventIDHash.sqlFunction)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        try SQLiteMigrator.migrate(pool)
        checkpointer = try WALCheckpointer(path: path)
    }

    /// Checkpoints the WAL off the writer's thread while the daemon runs.
    public func run() async throws { try await checkpointer.run() }

    public func write(_ events: [Event], inTransaction: @escaping @Sendable ([StoredEvent]) throws -> [RollupDelta]) async throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        let index = writeIndex
        do {
            let (inserted, keys) = try await pool.write { db in
                let inserted = try Self.insertNew(events, db: db, index: index)
                try Self.noteNewestNames(inserted, db: db)
                var keys: [Int64] = []
                let deltas = try inTransaction(inserted)
                for delta in deltas { keys += try Self.apply(delta, db: db, index: index) }
                for delta in deltas { try Self.applyPersons(delta.persons, db: db) }
                return (inserted, keys)
            }
            index.committed(bucketUsers: keys)
            return inserted
        } catch {
            index.rollBack()
            throw error
        }
    }

    /// Applies one delta; returns the bucket-user keys it stored or found stored, for the
    /// caller to remember once the transaction has committed.
    static func apply(_ delta: RollupDelta, db: Database, index: SQLiteWriteIndex) throws -> [Int64] {
        guard delta.totalEvents > 0 else { return [] }
        let addUser = try SQLiteRowWriter(db, sql: "INSERT INTO rollup_bucket_user_keys (key) VALUES (?) ON CONFLICT DO NOTHING")
        let addBucket = try db.cachedStatement(
            sql: """
                INSERT INTO rollup_buckets (interval, bucket, event_name, events, users) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (interval, event_name, bucket) DO UPDATE SET events = events + excluded.events, users = users + excluded.users
                """)
        var seen: [Int64] = []
        for (interval, buckets) in delta.buckets {
            for bucket in buckets {
                let keys = bucket.users.map { user in
                    BucketUserKey.make(interval: interval.rawValue, bucket: bucket.start.microseconds, eventName: bucket.eventName, userID: user)
                }
                var newUsers = 0
                for key in index.unknownBucketUsers(keys) { newUsers += try addUser.run(.int(key)) }
                seen += keys
                try addBucket.execute(arguments: [interval.rawValue, bucket.start.microseconds, bucket.eventName, bucket.events, newUsers])
            }
        }
        var perName: [String: Int] = [:]
        for bucket in delta.buckets[.day] ?? delta.buckets[.hour] ?? [] where !bucket.eventName.isEmpty {
            perName[bucket.eventName, default: 0] += bucket.events
        }
        let addName = try db.cachedStatement(
            sql: "INSERT INTO rollup_event_totals (event_name, events) VALUES (?, ?) ON CONFLICT (event_name) DO UPDATE SET events = events + excluded.events")
        for (name, count) in perName { try addName.execute(arguments: [name, count]) }

        let addPerson = try SQLiteRowWriter(db, sql: "INSERT INTO persons (user_id, first_seen, last_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        let touchPerson = try SQLiteRowWriter(
            db,
            sql: """
                UPDATE persons SET first_seen = MIN(first_seen, ?1), last_seen = MAX(last_seen, ?2)
                WHERE user_id = ?3 AND (first_seen > ?1 OR last_seen < ?2)
                """)
        var newPersons = 0
        for (user, seen) in delta.users {
            let first = seen.lowerBound.microseconds
            let last = seen.upperBound.microseconds
            if try addPerson.run(.text(user), .int(first), .int(last)) > 0 {
                newPersons += 1
            } else {
                try touchPerson.run(.int(first), .int(last), .text(user))
            }
        }
        try db.execute(sql: "UPDATE rollup_totals SET events = events + ?, users = users + ? WHERE id = 1", arguments: [delta.totalEvents, newPersons])
        return seen
    }

    /// A row in `dead_letters` (migrations/sqlite/012_dead_letters.sql), `failed_at` in
    /// microseconds since the epoch.
    public func recordDeadLetter(_ body: [UInt8], source: String, reason: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO dead_letters (source, payload, reason, failed_at) VALUES (?, ?, ?, ?)",
                arguments: [source, Data(body), reason, Timestamp.now().microseconds])
        }
    }

    /// All in one write transaction.
    public func recordDeadLetters(_ letters: [(body: [UInt8], reason: String)], source: String) async throws {
        let now = Timestamp.now().microseconds
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO dead_letters (source, payload, reason, failed_at) VALUES (?, ?, ?, ?)")
            for letter in letters { try statement.execute(arguments: [source, Data(letter.body), letter.reason, now]) }
        }
    }

    public func deadLetters(after: Int64?, limit: Int) async throws -> [DeadLetter] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, source, payload, reason, failed_at FROM dead_letters WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [after ?? 0, max(0, limit)]
            ).map { row in
                let payload: Data = row["payload"]
                return DeadLetter(
                    id: row["id"], source: row["source"], body: [UInt8](payload), reason: row["reason"], failedAt: Timestamp(microseconds: row["failed_at"]))
            }
        }
    }

    /// Constraint, type, size and range errors are about the rows; busy, I/O and full-disk
    /// errors are about the moment.
    public func isPermanent(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_CONSTRAINT, .SQLITE_TOOBIG, .SQLITE_MISMATCH, .SQLITE_RANGE].contains(error.resultCode)
    }

    /// Empties the page caches (the writer's is `cache_mb`), the remembered bucket users, the
    /// stored-id filter and the map of recent ids; writes build the last two again.
    public func releaseMemory() async {
        pool.releaseMemoryEventually()
        writeIndex.releaseMemory()
    }

    /// Names the file in answers to clients by its name only; the path stays in logs.
    var probe: SQLiteFileProbe { SQLiteFileProbe(path: path) }

    /// Up when the database answers a read; names the file by its name only.
    public func health() async -> DependencyHealth {
        do {
            _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            return DependencyHealth(name: "store", up: true, detail: "sqlite store (\(probe.name))")
        } catch {
            return DependencyHealth(name: "store", up: false, detail: "sqlite store (\(probe.name)): \(probe.clientText(error))")
        }
    }
}
