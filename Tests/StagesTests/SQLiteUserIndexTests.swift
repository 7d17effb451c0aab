// The SQLite store's per-user index in three tiers (SQLiteStore+PageIndexes.swift): pages filtered
// by user see every event of that user once, newest first, whichever tier holds it, before and
// after the tiers move, and after the upgrade that built the tiers from the old index.

import Foundation
import GRDB
import PipelineKit
import Testing

@testable import Stages

@Suite struct SQLiteUserIndexTests {
    let aggregate = AggregateStage(intervals: [.day, .hour])

    @Test func userPagesSeeEveryEventOnceAcrossTheTiers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/s.sqlite"
        let store = try SQLiteStore(path: path, recentTierRows: 10)
        let aggregate = self.aggregate
        var all: [Event] = []
        // Thirteen writes of six new events, each with two already stored (redelivery): the
        // recent tier (10 rows) moves after every second write, straight into the main tier
        // until that holds 40 rows (the middle tier's least size), then into the middle one;
        // the last six stay in the recent tier.
        for write in 0..<13 {
            let batch = (0..<6).map { i in
                let n = write * 6 + i
                return event("e\(n)", name: n % 3 == 0 ? "buy" : "view", user: "u\(n % 4)", at: "2024-05-06T07:0\(n % 5):00Z")
            }
            _ = try await store.write(batch + all.suffix(2)) { inserted in try aggregate.apply(Batch(inserted)).items }
            all += batch
        }
        let tiers = try await store.pool.read { db in
            try ["events_by_user", "events_by_user_mid", "events_by_user_recent"].map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") }
        }
        #expect(tiers == [48, 24, 6])
        for user in ["u0", "u1", "u2", "u3", "nobody"] {
            for name in [nil, "buy"] as [String?] {
                let expected = all.filter { $0.userID == user && (name == nil || $0.eventName == name) }
                let seen = try await walkEventPages(store, EventQuery(limit: 3, eventName: name, userID: user))
                #expect(seen.map(\.eventID).sorted() == expected.map(\.eventID).sorted(), "\(user) \(name ?? "")")
                #expect(seen.map(\.timestamp) == seen.map(\.timestamp).sorted(by: >))
            }
        }
        let before = try #require(Timestamp(iso8601: "2024-05-06T07:02:00Z"))
        let early = try await walkEventPages(store, EventQuery(limit: 2, userID: "u1", before: before))
        #expect(early.map(\.eventID).sorted() == all.filter { $0.userID == "u1" && $0.timestamp < before }.map(\.eventID).sorted())
    }

    @Test func theUpgradeMovesTheOldIndexIntoTheMainTier() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try await sqliteStoreUpgraded(from: 5, in: dir, rows: (0..<5).map { n in ("old\(n)", "view", n % 2 == 0 ? "u0" : "u1") })
        _ = try await store.write([event("new", user: "u0")]) { _ in [] }
        #expect(try await walkEventPages(store, EventQuery(limit: 10, userID: "u0")).map(\.eventID) == ["new", "old4", "old2", "old0"])
        #expect(try await !sqliteIndexNames(store).contains("events_user_timestamp_id"))
    }
}
