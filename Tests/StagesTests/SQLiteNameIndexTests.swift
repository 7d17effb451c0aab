// The SQLite store's per-name index in three tiers (SQLiteStore+PageIndexes.swift): pages
// filtered by name, and pages of every name (merged from each name's run in each tier), see
// every event once, newest first, whichever tier holds it, and after the upgrade that built
// the tiers from the old index on events.

import Foundation
import GRDB
import PipelineKit
import Testing

@testable import Stages

@Suite struct SQLiteNameIndexTests {
    @Test func namePagesAndPagesOfEveryNameSeeEveryEventOnceAcrossTheTiers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite", recentTierRows: 10)
        var all: [Event] = []
        // As in SQLiteUserIndexTests: thirteen writes of six new events and two repeats leave
        // 48 rows in the main tier, 24 in the middle one and 6 in the recent one. Timestamps
        // repeat and arrive out of order, so the id decides between equal ones.
        for write in 0..<13 {
            let batch = (0..<6).map { i in
                let n = write * 6 + i
                return event("e\(n)", name: ["buy", "view", "signup"][n % 3], user: "u\(n % 4)", at: "2024-05-06T07:0\((n * 7) % 10):00Z")
            }
            _ = try await store.write(batch + all.suffix(2)) { _ in [] }
            all += batch
        }
        let tiers = try await store.pool.read { db in
            try ["events_by_name", "events_by_name_mid", "events_by_name_recent"].map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") }
        }
        #expect(tiers == [48, 24, 6])
        let newestFirst = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT event_id FROM events ORDER BY timestamp DESC, id DESC")
        }
        #expect(newestFirst.count == all.count)
        for name in ["buy", "view", "signup", "nobody"] {
            let seen = try await walkEventPages(store, EventQuery(limit: 4, eventName: name))
            #expect(seen.map(\.eventID) == newestFirst.filter { id in all.contains { $0.eventID == id && $0.eventName == name } }, "\(name)")
        }
        for limit in [1, 5, 100] {
            #expect(try await walkEventPages(store, EventQuery(limit: limit)).map(\.eventID) == newestFirst, "limit \(limit)")
        }
        let before = try #require(Timestamp(iso8601: "2024-05-06T07:05:00Z"))
        let early = try await walkEventPages(store, EventQuery(limit: 3, eventName: "view", before: before))
        #expect(!early.isEmpty)
        #expect(early.map(\.eventID).sorted() == all.filter { $0.eventName == "view" && $0.timestamp < before }.map(\.eventID).sorted())
    }

    @Test func theUpgradeMovesTheOldIndexIntoTheMainTier() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try await sqliteStoreUpgraded(from: 8, in: dir, rows: (0..<5).map { n in ("old\(n)", n % 2 == 0 ? "view" : "buy", "u0") })
        _ = try await store.write([event("new", name: "view")]) { _ in [] }
        #expect(try await walkEventPages(store, EventQuery(limit: 2, eventName: "view")).map(\.eventID) == ["new", "old4", "old2", "old0"])
        #expect(try await walkEventPages(store, EventQuery(limit: 2)).map(\.eventID) == ["new", "old4", "old3", "old2", "old1", "old0"])
        #expect(try await !sqliteIndexNames(store).contains("events_name_timestamp_id"))
    }
}
