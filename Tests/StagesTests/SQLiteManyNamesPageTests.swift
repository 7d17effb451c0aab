// Pages of every event name on SQLite with tens of thousands of distinct names (names are the
// client's to choose): they list the same rows, in the same order, as a sort of every event,
// with the cursor and `before`, and a first page, like the top names of the stats, costs the
// same SQLite work with 50,000 names as with 500. The work is counted in virtual-machine steps
// through a progress handler, not timed.

import Foundation
import GRDB
import GRDBSQLite
import PipelineKit
import Synchronization
import Testing

@testable import Stages

@Suite struct SQLiteManyNamesPageTests {
    /// Two events for each name in `names`, at seconds of one day that collide often, so the
    /// row id breaks many ties.
    static func twoEventsEach(_ names: Range<Int>) -> [Event] {
        names.flatMap { n in
            (0..<2).map { k in
                let second = Int64((n * 7_919 + k * 104_729) % 86_400)
                let time = Timestamp(microseconds: 1_714_953_600_000_000 + second * 1_000_000)
                return Event(eventID: "e\(n)-\(k)", eventName: "name-\(n)", userID: "u\(n % 100)", properties: [:], timestamp: time, receivedAt: time)
            }
        }
    }

    static func load(_ store: some EventStore, names: Range<Int>) async throws {
        let events = twoEventsEach(names)
        for start in stride(from: 0, to: events.count, by: 5_000) {
            _ = try await store.write(Array(events[start..<min(events.count, start + 5_000)])) {
                try AggregateStage(intervals: [.day]).apply(Batch($0)).items
            }
        }
    }

    @Test func theTopNamesCostTheSameWithFiftyThousandTiedNames() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite")
        try await Self.load(store, names: 0..<500)
        let few = try await vmSteps(store) { _ = try await $0.stats(top: 10) }
        try await Self.load(store, names: 500..<50_000)
        let many = try await vmSteps(store) { _ = try await $0.stats(top: 10) }
        #expect(few > 0 && many > 0, "the reads ran on the reader the step counter was on")
        // Every name has two events: the top ten are the first ten names in byte order, of 50,000 tied.
        #expect(many <= 2 * few, "the top names of 50,000 took \(many) steps, of 500 \(few)")
        let top = try await store.stats(top: 10).topEvents
        #expect(top.map(\.name) == (0..<50_000).map { "name-\($0)" }.sorted().prefix(10).map { $0 })
        #expect(top.allSatisfy { $0.count == 2 })
    }

    @Test func aFirstPageOfEveryNameCostsTheSameWithFiftyThousandNamesAndPagesListTheNewest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // Small recent tiers, so rows sit in all three tiers of every index.
        let store = try SQLiteStore(path: dir.path + "/s.sqlite", recentTierRows: 4_000)
        try await Self.load(store, names: 0..<500)
        let few = try await vmSteps(store) { _ = try await $0.events(EventQuery(limit: 100)) }
        try await Self.load(store, names: 500..<50_000)
        let many = try await vmSteps(store) { _ = try await $0.events(EventQuery(limit: 100)) }
        #expect(few > 0 && many > 0, "the pages ran on the reader the step counter was on")
        #expect(many <= 2 * few, "a page over 50,000 names took \(many) steps, over 500 names \(few)")

        let sorted = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT event_id, timestamp FROM events ORDER BY timestamp DESC, id DESC").map {
                (id: $0[0] as String, micros: $0[1] as Int64)
            }
        }
        #expect(sorted.count == 100_000)
        #expect(try await eventPages(store, EventQuery(limit: 100), pages: 5) == sorted.prefix(500).map(\.id))
        let before = Timestamp(microseconds: sorted[40_000].micros)
        let older = sorted.filter { $0.micros < before.microseconds }
        #expect(try await eventPages(store, EventQuery(limit: 70, before: before), pages: 3) == older.prefix(210).map(\.id))
    }
}

/// The event ids of the first `pages` pages of `query`, following the cursor.
func eventPages(_ store: some AnalyticsReader, _ query: EventQuery, pages: Int) async throws -> [String] {
    var query = query
    var ids: [String] = []
    for _ in 0..<pages {
        let page = try await store.events(query)
        ids += page.rows.map(\.event.eventID)
        query.after = page.next
    }
    return ids
}

/// Counts the virtual-machine steps of one connection (SQLite calls the handler every step).
final class SQLiteStepCounter: Sendable {
    let steps = Mutex(0)
}

/// The SQLite virtual-machine steps of `read` (one read of `store`). The progress handler is
/// set on the reader a `pool.read` gets, which the next read gets again when nothing else
/// reads; if another one ran `read`, this returns 0.
func vmSteps(_ store: SQLiteStore, _ read: (SQLiteStore) async throws -> Void) async throws -> Int {
    try await read(store)  // the reader's schema and statements, read once
    let counter = SQLiteStepCounter()
    try await store.pool.read { db in
        let context = Unmanaged.passUnretained(counter).toOpaque()
        sqlite3_progress_handler(
            db.sqliteConnection, 1,
            { context in
                guard let context else { return 0 }
                Unmanaged<SQLiteStepCounter>.fromOpaque(context).takeUnretainedValue().steps.withLock { $0 += 1 }
                return 0
            }, context)
    }
    try await read(store)
    try await store.pool.read { db in sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil) }
    return withExtendedLifetime(counter) { counter.steps.withLock { $0 } }
}
