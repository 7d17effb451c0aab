// One suite of store behaviour, run against every store driver: the in-memory twin, SQLite,
// and PostgreSQL (the real server at SMOLHOG_TEST_POSTGRES_URL). A new driver joins by
// adding a case to `StoreUnderTest`.

import Foundation
import PipelineKit
import Stages
import Synchronization
import Testing

enum StoreUnderTest: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, sqlite, postgres
    var testDescription: String { rawValue }

    /// Opens a fresh, empty store of this kind (migrated, its services running) for `body`.
    func with(_ body: (any AnalyticsStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await body(MemoryStore())
        case .sqlite:
            let dir = try TemporaryDirectory()
            defer { dir.cleanup() }
            try await body(try SQLiteStore(path: dir.path + "/s.sqlite"))
        case .postgres:
            try await withDatabase { url in
                _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
                try await withStore(url) { try await body($0) }
            }
        }
    }

    /// Events this store refuses for good (their write fails as `isPermanent`), where the
    /// store has such a value and a test can make one.
    var refusedEvent: Event? {
        switch self {
        case .memory: event("refused-memory", properties: ["refuse": .bool(true)])
        // jsonb cannot hold \u0000 (SQLSTATE 22P05).
        case .postgres: event("refused-postgres", properties: ["text": .string("a\u{0}b")])
        case .sqlite: nil
        }
    }
}

@Suite struct StoreConformanceTests {
    static let stores = StoreUnderTest.allCases.filter { $0 != .postgres || postgresTestURL != nil }

    func write(_ store: any AnalyticsStore, _ events: [Event], seen: SeenByTransaction? = nil) async throws -> [StoredEvent] {
        try await store.write(events) { inserted in
            seen?.record(inserted)
            return try aggregate(inserted)
        }
    }

    @Test(arguments: stores) func storesEachEventOnceUnderRedelivery(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            let events = (0..<40).map {
                event("e\($0)", name: $0 % 3 == 0 ? "signup" : "view", user: "u\($0 % 7)", at: "2024-05-0\(1 + $0 % 3)T0\($0 % 5):00:00Z")
            }
            #expect(try await write(store, Array(events[0..<25])).count == 25)
            let overlap = try await write(store, Array(events[15..<40]))
            #expect(overlap.map(\.event.eventID) == events[25..<40].map(\.eventID))
            #expect(try await write(store, events).isEmpty)
            let doubled = [event("x1"), event("x1"), event("x2")]
            #expect(try await write(store, doubled).map(\.event.eventID) == ["x1", "x2"])
            let stats = try await store.stats(top: 5)
            #expect(stats.totalEvents == 42)
            #expect(stats.uniqueUsers == 7)
            #expect(stats.topEvents.map(\.name) == ["view", "signup", "page_view"])
            #expect(
                stats.topEvents.map(\.count) == [
                    Int64(events.filter { $0.eventName == "view" }.count), Int64(events.filter { $0.eventName == "signup" }.count), 2,
                ])
        }
    }

    @Test(arguments: stores) func rollupsSeeOnlyNewlyInsertedEvents(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            let seen = SeenByTransaction()
            _ = try await write(store, [event("a"), event("b")], seen: seen)
            _ = try await write(store, [event("b"), event("c"), event("a")], seen: seen)
            #expect(seen.batches == [["a", "b"], ["c"]])
            let trend = try await store.trends(
                TrendQuery(eventName: "page_view", from: Timestamp(microseconds: 0), to: Timestamp.now(), interval: .day))
            #expect(trend.map(\.events) == [3])
            #expect(trend.map(\.users) == [1])
        }
    }

    @Test(arguments: stores) func aFailedTransactionCommitsNothing(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            _ = try await write(store, [event("kept")])
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                _ = try await store.write([event("lost-1"), event("lost-2")]) { _ in throw Boom() }
            }
            #expect(try await store.stats(top: 5).totalEvents == 1)
            #expect(try await store.events(EventQuery(limit: 10)).rows.map(\.event.eventID) == ["kept"])
            // The same events go through once the transaction does.
            #expect(try await write(store, [event("lost-1"), event("lost-2")]).count == 2)
        }
    }

    @Test(arguments: stores) func pagesWalkNewestFirstAcrossPagesWithoutGapsOrRepeats(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            // Several events share a timestamp: the cursor must break ties by id.
            let events = (0..<23).map { event("p\($0)", name: $0 % 2 == 0 ? "even" : "odd", user: "u\($0 % 3)", at: "2024-05-06T07:0\($0 % 4):00Z") }
            _ = try await write(store, events)
            for (name, user) in [(nil, nil), ("even", nil), (nil, "u1"), ("odd", "u2")] as [(String?, String?)] {
                var seen: [Event] = []
                var cursor: EventCursor?
                var pages = 0
                repeat {
                    let page = try await store.events(EventQuery(limit: 4, eventName: name, userID: user, after: cursor))
                    seen += page.rows.map(\.event)
                    cursor = page.next
                    pages += 1
                    #expect(page.rows.count <= 4)
                } while cursor != nil && pages < 20
                let expected = events.filter { (name == nil || $0.eventName == name) && (user == nil || $0.userID == user) }
                #expect(Set(seen.map(\.eventID)) == Set(expected.map(\.eventID)), "filter \(name ?? "-") \(user ?? "-")")
                #expect(seen.count == expected.count, "no event twice")
                #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.timestamp >= $1.timestamp }, "newest first across pages")
            }
            let before = try await store.events(EventQuery(limit: 50, before: Timestamp(iso8601: "2024-05-06T07:02:00Z")))
            #expect(before.rows.count == events.filter { $0.timestamp < Timestamp(iso8601: "2024-05-06T07:02:00Z")! }.count)
            #expect(before.next == nil)
        }
    }

    @Test(arguments: stores) func trendsCountEventsAndDistinctUsersPerBucket(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            let events = (0..<30).map { event("t\($0)", name: "view", user: "u\($0 % 4)", at: "2024-05-0\(1 + $0 % 3)T1\($0 % 2):30:00Z") }
            _ = try await write(store, events)
            let from = try #require(Timestamp(iso8601: "2024-05-01T00:00:00Z"))
            let to = try #require(Timestamp(iso8601: "2024-05-03T00:00:00Z"))
            let days = try await store.trends(TrendQuery(eventName: "view", from: from, to: to, interval: .day))
            #expect(days.map(\.bucket) == [from, try #require(Timestamp(iso8601: "2024-05-02T00:00:00Z"))], "the range excludes `to`")
            for point in days {
                let inBucket = events.filter { $0.timestamp.dayStart == point.bucket }
                #expect(point.events == Int64(inBucket.count))
                #expect(point.users == Int64(Set(inBucket.map(\.userID)).count))
            }
            let hours = try await store.trends(TrendQuery(eventName: nil, from: from, to: to, interval: .hour))
            #expect(hours.count == 4)
            #expect(hours.map(\.events).reduce(0, +) == 20)
        }
    }

    @Test(arguments: stores) func refusedDataIsPermanentAndAnOutageIsNot(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            struct Unknown: Error {}
            #expect(!store.isPermanent(Unknown()), "an unknown error is never permanent: the worker would dead-letter on an outage")
            #expect(!store.isPermanent(CancellationError()))
            guard let refused = kind.refusedEvent else { return }
            (store as? MemoryStore)?.refuse { $0.eventID.hasPrefix("refused") ? "refuse: true" : nil }
            let error = await failure { _ = try await write(store, [event("good"), refused]) }
            let thrown = try #require(error, "the store takes what it should refuse")
            #expect(store.isPermanent(thrown), "\(thrown)")
            #expect(try await store.stats(top: 1).totalEvents == 0, "nothing of the refused batch is committed")
        }
    }

    @Test(arguments: stores) func severalDeadLettersAreKeptInOneCallInOrder(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            let reader = try #require(store as? any DeadLetterReader)
            let letters = (0..<1203).map { (body: QueueMessage.encode([event("many-\($0)")]), reason: "refused \($0)") }
            try await store.recordDeadLetters(letters, source: "worker")
            let kept = try await reader.deadLetters(after: nil, limit: 2000)
            #expect(kept.map(\.reason) == letters.map(\.reason), "every letter, in order, across the 1000-row chunks")
            #expect(kept.last?.body == letters.last?.body)
            #expect(Set(kept.map(\.source)) == ["worker"])
        }
    }

    @Test(arguments: stores) func deadLettersAreKeptWithTheirReasonAndReadBackInOrder(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            let reader = try #require(store as? any DeadLetterReader, "every built-in store reads its dead letters back")
            let refused = QueueMessage.encode([event("refused-1")])
            let before = Timestamp.now()
            try await store.recordDeadLetter(refused, source: "worker", reason: "store refused event refused-1: too long")
            try await store.recordDeadLetter(Array("not a batch".utf8), source: "worker", reason: "undecodable message")
            let letters = try await reader.deadLetters(after: nil, limit: 10)
            #expect(letters.map(\.reason) == ["store refused event refused-1: too long", "undecodable message"])
            #expect(letters.map(\.source) == ["worker", "worker"])
            #expect(letters.first?.body == refused, "the body as recorded")
            #expect(try letters.first.map { try QueueMessage.decode($0.body).map(\.eventID) } == ["refused-1"])
            #expect(letters.allSatisfy { $0.failedAt.microseconds >= before.microseconds - 5_000_000 }, "stamped when recorded")
            let first = try #require(letters.first)
            #expect(try await reader.deadLetters(after: first.id, limit: 10).map(\.reason) == ["undecodable message"], "paged by id")
            #expect(try await reader.deadLetters(after: nil, limit: 1).count == 1)
            // Recording a dead letter never counts as an event.
            #expect(try await store.stats(top: 1).totalEvents == 0)
        }
    }
}

/// What the in-transaction callback was handed, batch by batch.
final class SeenByTransaction: Sendable {
    private let seen = Mutex<[[String]]>([])
    func record(_ inserted: [StoredEvent]) { seen.withLock { $0.append(inserted.map(\.event.eventID)) } }
    var batches: [[String]] { seen.withLock { $0 } }
}
