// Pages of every event name on SQLite (SQLiteStore+MergedPage.swift): merged from the name
// index's runs, names newest first, they list every event once, newest first, with many names
// and one busy one, with `before` and the cursor, after the upgrade that dropped the
// (timestamp, id) index, and after the one that added the names' newest timestamps.

import Foundation
import GRDB
import PipelineKit
import Testing

@testable import Stages

@Suite struct SQLiteMergedPageTests {
    @Test func pagesOfEveryNameListEachEventOnceNewestFirst() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite")
        let all = manyNamedEvents()
        _ = try await store.write(Array(all[..<300])) { _ in [] }
        _ = try await store.write(Array(all[300...])) { _ in [] }

        let newestFirst = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT event_id FROM events ORDER BY timestamp DESC, id DESC")
        }
        for limit in [3, 100] {
            let seen = try await walkEventPages(store, EventQuery(limit: limit))
            #expect(seen.map(\.eventID) == newestFirst, "limit \(limit)")
        }
        let before = try #require(Timestamp(iso8601: "2024-05-06T07:03:00Z"))
        let early = try await walkEventPages(store, EventQuery(limit: 9, before: before))
        #expect(early.map(\.eventID) == all.filter { $0.timestamp < before }.sorted(by: newestFirstOrder(newestFirst)).map { $0.eventID })
        #expect(!early.isEmpty)
    }

    @Test func anEmptyStoreHasAnEmptyPage() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite")
        let page = try await store.events(EventQuery(limit: 10))
        #expect(page.rows.isEmpty && page.next == nil)
    }

    @Test func theUpgradeDropsTheTimeIndexAndPagesStillList() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try await sqliteStoreUpgraded(from: 6, in: dir, rows: (0..<4).map { n in ("old\(n)", n % 2 == 0 ? "view" : "buy", "u0") })
        _ = try await store.write([event("new", name: "signup")]) { _ in [] }
        #expect(try await walkEventPages(store, EventQuery(limit: 2)).map(\.eventID) == ["new", "old3", "old2", "old1", "old0"])
        #expect(try await !sqliteIndexNames(store).contains("events_timestamp_id"))
    }

    @Test func theUpgradeThatAddsTheNewestTimestampOfEachNameKeepsEveryNameOnPages() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try await sqliteStoreUpgraded(from: 13, in: dir, rows: (0..<6).map { n in ("old\(n)", "name-\(n % 3)", "u0") })
        let latest = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT event_name, latest FROM event_name_latest ORDER BY event_name").map { "\($0[0] as String)@\($0[1] as Int64)" }
        }
        #expect(latest == ["name-0@1714500000000003", "name-1@1714500000000004", "name-2@1714500000000005"])
        // An event older than every stored one leaves its name's newest timestamp alone.
        _ = try await store.write([event("new", name: "name-0", at: "2024-01-01T00:00:00Z")]) { _ in [] }
        #expect(try await walkEventPages(store, EventQuery(limit: 2)).map(\.eventID) == ["old5", "old4", "old3", "old2", "old1", "old0", "new"])
        let name0 = try await store.pool.read { db in try Int64.fetchOne(db, sql: "SELECT latest FROM event_name_latest WHERE event_name = 'name-0'") }
        #expect(name0 == 1_714_500_000_000_003)
    }

    /// Orders events as `newestFirst` (event ids, as the database ordered them) lists them.
    private func newestFirstOrder(_ newestFirst: [String]) -> (Event, Event) -> Bool {
        let rank = Dictionary(uniqueKeysWithValues: newestFirst.enumerated().map { ($1, $0) })
        return { (rank[$0.eventID] ?? 0) < (rank[$1.eventID] ?? 0) }
    }
}
