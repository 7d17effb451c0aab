// The SQLite store's stored event ids in three tiers (SQLiteStore+EventIDs.swift,
// SQLiteKeyTiers, RecentEventIDs): an event whose id is stored is skipped whichever tier holds
// the id, a repeat within a batch is stored once, the tiers hold every id once, a rolled-back
// write or a reopened store loses no recent id, and the upgrade from the UNIQUE index keeps the
// events and their ids.

import Foundation
import GRDB
import PipelineKit
import Testing

@testable import Stages

@Suite struct SQLiteEventIDTiersTests {
    let aggregate = AggregateStage(intervals: [.day])

    @Test func repeatsAreSkippedWhicheverTierHoldsTheirID() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite", recentTierRows: 6)
        let aggregate = self.aggregate
        var stored: [String] = []
        // Each write: five new ids, one of them twice, and one id from each earlier write (so
        // from every tier as the ids move down), in shuffled order.
        for write in 0..<11 {
            let new = (0..<5).map { "w\(write)-\($0)" }
            let repeats = (0..<write).map { "w\($0)-\(write % 5)" }
            var batch = (new + [new[2]] + repeats).map { event($0, user: "u\(write % 3)") }
            batch.shuffle()
            let inserted = try await store.write(batch) { inserted in try aggregate.apply(Batch(inserted)).items }
            #expect(inserted.map(\.event.eventID).sorted() == new.sorted(), "write \(write)")
            stored += new
        }
        let (tiers, events) = try await store.pool.read { db in
            let tiers = try SQLiteStore.eventIDTiers(recentRows: 6).everyRowSQL.map { sql in
                try String.fetchAll(db, sql: "SELECT e.event_id FROM (\(sql)) k JOIN events e ON e.id = k.id")
            }
            return (tiers, try String.fetchAll(db, sql: "SELECT event_id FROM events ORDER BY id"))
        }
        // Every tier took part, and together they hold each stored id once.
        #expect(tiers.allSatisfy { !$0.isEmpty }, "\(tiers.map(\.count))")
        #expect(tiers.flatMap { $0 }.sorted() == stored.sorted())
        #expect(events.sorted() == stored.sorted())
        #expect(try await store.stats(top: 1).totalEvents == stored.count)
    }

    @Test func recentRepeatsAreSkippedAfterARollbackAndAfterAReopen() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/s.sqlite"
        let first = (0..<4).map { event("a\($0)") }
        let second = (0..<4).map { event("b\($0)") }
        do {
            let store = try SQLiteStore(path: path)
            _ = try await store.write(first) { _ in [] }
            // A write that rolls back leaves none of its ids behind, in the file or in memory.
            struct Refused: Error {}
            await #expect(throws: Refused.self) { _ = try await store.write(second) { _ in throw Refused() } }
            let inserted = try await store.write(first + second + second) { _ in [] }
            #expect(inserted.map(\.event.eventID) == second.map(\.eventID))
        }
        // Reopened, the store reads the recent ids again from the events after the watermark.
        let store = try SQLiteStore(path: path)
        #expect(try await store.write(first + second + [event("c")]) { _ in [] }.map(\.event.eventID) == ["c"])
        #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") } == 9)
    }

    @Test func theMiddleTierGrowsWithTheStore() {
        #expect(SQLiteKeyTiers.midRows(recentRows: 100_000, total: 0) == 400_000)
        #expect(SQLiteKeyTiers.midRows(recentRows: 100_000, total: 1_000_000) == 447_213)
        #expect(SQLiteKeyTiers.midRows(recentRows: 100_000, total: 10_000_000) == 1_414_213)
    }

    @Test func theUpgradeKeepsTheEventsAndMovesTheirIDsIntoTheMainTier() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try await sqliteStoreUpgraded(from: 7, in: dir, rows: (0..<5).map { n in ("old\(n)", "view", "u\(n % 2)") })
        let inserted = try await store.write([event("old3", user: "u1"), event("new", name: "view", user: "u0")]) { _ in [] }
        #expect(inserted.map(\.event.eventID) == ["new"])
        let (ids, mainTier) = try await store.pool.read { db in
            (try Int64.fetchAll(db, sql: "SELECT id FROM events ORDER BY id"), try mainTierIDs(db))
        }
        #expect(ids == [1, 2, 3, 4, 5, 6])
        #expect(mainTier == (0..<5).map { "old\($0)" })
        #expect(try await walkEventPages(store, EventQuery(limit: 2, eventName: "view")).map(\.eventID) == ["new", "old4", "old3", "old2", "old1", "old0"])
        #expect(try await sqliteIndexNames(store).allSatisfy { !$0.hasPrefix("sqlite_autoindex_events") })
    }
}

extension SQLiteEventIDTiersTests {
    @Test func theUpgradeMovesTheRecentTableIntoTheMiddleTier() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/s.sqlite"
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try applySQLiteMigrations(db, upTo: 9)
            for n in 0..<3 {
                try db.execute(
                    sql: "INSERT INTO events (event_id, event_name, user_id, timestamp, received_at, created_at) VALUES (?, 'view', 'u0', ?, 0, 0)",
                    arguments: ["old\(n)", 1_714_500_000_000_000 + n])
                try db.execute(sql: "INSERT INTO event_ids_recent (event_id) VALUES (?)", arguments: ["old\(n)"])
            }
        }
        try database.close()
        let store = try SQLiteStore(path: path)
        #expect(try await store.write([event("old1"), event("new")]) { _ in [] }.map(\.event.eventID) == ["new"])
        let (main, mid, after) = try await store.pool.read { db in
            let mid = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_ids_mid")
            return (try mainTierIDs(db), mid, try Int64.fetchOne(db, sql: "SELECT id FROM event_ids_recent_after"))
        }
        // Migration 010 moved them into the middle tier, and 011 rebuilt the tiers by hash.
        #expect(main == ["old0", "old1", "old2"])
        #expect(mid == 0)
        #expect(after == 3)
    }

    @Test func theStoredHashesNeverChange() {
        // Stored in the tiers and in the bucket-user sets: a change would need a migration.
        // bench/analytics.py computes the event ids' hash too.
        #expect(EventIDHash.of("") == -1_166_397_803_181_037_274)
        #expect(EventIDHash.of("a") == -9_033_471_704_281_723_301)
        #expect(EventIDHash.of("018f2a3c-7b1e-4c2d-9f00-1234567890ab") == 4_299_802_511_574_393_048)
        #expect(BucketUserKey.make(interval: "day", bucket: 1_714_953_600_000_000, eventName: "page_view", userID: "u1") == 6_889_808_214_461_474_162)
    }

    /// The event ids of the main tier's rows, in order of the ids.
    private func mainTierIDs(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT e.event_id FROM event_ids k JOIN events e ON e.id = k.id ORDER BY e.event_id")
    }
}

@Suite struct StoredEventIDFilterTests {
    /// A database with three tiers' tables holding the hashes of `ids` (all in the main tier).
    func tiers(holding ids: [String]) throws -> DatabaseQueue {
        let database = try DatabaseQueue()
        try database.write { db in
            for table in ["event_ids", "event_ids_mid", "event_ids_recent"] {
                try db.execute(sql: "CREATE TABLE \(table) (hash INTEGER NOT NULL, id INTEGER NOT NULL)")
            }
            for (row, id) in ids.enumerated() {
                try db.execute(sql: "INSERT INTO event_ids VALUES (?, ?)", arguments: [EventIDHash.of(id), row])
            }
        }
        return database
    }

    let tables = ["event_ids", "event_ids_mid", "event_ids_recent"].map { "SELECT hash, id FROM \($0)" }

    @Test func neverRulesOutAStoredIDAndRulesOutMostOthers() throws {
        let stored = (0..<5_000).map { _ in UUID().uuidString.lowercased() }
        let database = try tiers(holding: stored)
        let filter = StoredEventIDFilter()
        // Before it is built, every id may be stored.
        #expect(filter.mayContain("anything"))
        try database.read { db in try filter.prepare(db, tiers: tables, stored: 0) }
        let added = (0..<1_000).map { "added-\($0)" }
        for id in added { filter.insert(id) }
        #expect((stored + added).allSatisfy(filter.mayContain))
        let strangers = (0..<10_000).map { _ in UUID().uuidString.lowercased() }
        let passed = strangers.filter(filter.mayContain).count
        #expect(passed < 100, "\(passed) of 10,000 absent ids passed")
    }

    @Test func isBuiltAgainFromTheTiersOnceItHoldsMoreThanItWasSizedFor() throws {
        let database = try tiers(holding: [])
        let filter = StoredEventIDFilter()
        try database.read { db in try filter.prepare(db, tiers: tables, stored: 0) }
        // Sized for the minimum; past it, the next write rebuilds it from the tiers, which
        // (as after a write that rolled back) no longer hold the ids added here.
        let overflow = StoredEventIDFilter.minimumCapacity + 1
        for n in 0..<overflow { filter.insert("x\(n)") }
        #expect(filter.mayContain("x0"))
        try database.write { db in try db.execute(sql: "INSERT INTO event_ids_mid VALUES (?, 0)", arguments: [EventIDHash.of("kept")]) }
        try database.read { db in try filter.prepare(db, tiers: tables, stored: 0) }
        #expect(filter.mayContain("kept"))
        #expect((0..<1_000).filter { filter.mayContain("x\($0)") }.count < 10)
        // Forgotten (the idle release), it rules nothing out until it is built again.
        filter.forget()
        #expect((0..<1_000).allSatisfy { filter.mayContain("x\($0)") })
        try database.read { db in try filter.prepare(db, tiers: tables, stored: 0) }
        #expect(filter.mayContain("kept"))
        #expect((0..<1_000).filter { filter.mayContain("x\($0)") }.count < 10)
    }
}
