// The SQLite store's per-user index in two tiers (SQLiteStore+UserIndex.swift): pages filtered
// by user see every event of that user once, newest first, whichever tier holds it, before and
// after the recent tier moves, and after the upgrade that built the tiers from the old index.

import Foundation
import GRDB
import PipelineKit
import Testing

@testable import Stages

@Suite struct SQLiteUserIndexTests {
    let aggregate = AggregateStage(intervals: [.day, .hour])

    @Test func userPagesSeeEveryEventOnceAcrossBothTiers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/s.sqlite"
        let store = try SQLiteStore(path: path, userIndexMergeRows: 10)
        let aggregate = self.aggregate
        var all: [Event] = []
        // Seven writes of six new events, each with two already stored (redelivery): the recent
        // tier moves after the second, fourth and sixth; the last six stay in it.
        for write in 0..<7 {
            let batch = (0..<6).map { i in
                let n = write * 6 + i
                return event("e\(n)", name: n % 3 == 0 ? "buy" : "view", user: "u\(n % 4)", at: "2024-05-06T07:0\(n % 5):00Z")
            }
            _ = try await store.write(batch + all.suffix(2)) { inserted in try aggregate.apply(Batch(inserted)).items }
            all += batch
        }
        let tiers = try await store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events_by_user"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events_by_user_recent"))
        }
        #expect(tiers.0 == 36 && tiers.1 == 6)
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
