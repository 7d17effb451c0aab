import Foundation
import PipelineKit
import Stages
import Testing

@Suite struct SQLiteStoreTests {
    let aggregate = AggregateStage(intervals: [.day, .hour])

    func write(_ store: SQLiteStore, _ events: [Event]) async throws -> [StoredEvent] {
        let aggregate = self.aggregate
        return try await store.write(events) { inserted in try aggregate.apply(Batch(inserted)).items }
    }

    @Test func duplicatesAreSkippedAndOnlyNewEventsArePassedOn() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite")
        #expect(try await write(store, [event("a"), event("b")]).count == 2)
        let second = try await write(store, [event("b"), event("c"), event("c")])
        #expect(second.map(\.event.eventID) == ["c"])
    }

    /// Through the store's own write, and through the worker path built from a pipeline, which
    /// runs the in-transaction stages before the transaction as if every event were new.
    @Test(arguments: [false, true]) func rollupsStayExactUnderRedelivery(throughWorkerPath: Bool) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store: SQLiteStore
        let write: ([Event]) async throws -> Void
        if throughWorkerPath {
            let graph = try compile(
                """
                stages:
                  - validate
                  - queue: {embedded: {path: \(dir.path)/q.sqlite}}
                  - persist: {sqlite: {path: \(dir.path)/s.sqlite}}
                  - aggregate
                """)
            let runtime = try await graph.build(context: BuildContext(baseDirectory: dir.path, logger: testLogger, role: .worker))
            let worker = try #require(runtime.worker)
            store = try #require(runtime.store as? SQLiteStore)
            write = { _ = try await worker.store($0) }
        } else {
            store = try SQLiteStore(path: dir.path + "/s.sqlite")
            write = { _ = try await self.write(store, $0) }
        }
        let events = (0..<50).map { event("e\($0)", name: $0 % 3 == 0 ? "signup" : "view", user: "u\($0 % 7)", at: "2024-05-0\(1 + $0 % 3)T0\($0 % 5):00:00Z") }
        try await write(Array(events[0..<30]))
        // An idle release forgets which bucket users are counted; the table must still know.
        await store.releaseMemory()
        try await write(Array(events[20..<50]))  // overlaps: a redelivery
        try await write(events)
        try await write(Array(events[45..<50]) + Array(events[45..<50]))  // the same events twice in one batch
        let stats = try await store.stats(top: 10)
        #expect(stats.totalEvents == 50)
        #expect(stats.uniqueUsers == 7)
        #expect(stats.topEvents.map(\.name) == ["view", "signup"])
        #expect(
            stats.topEvents.map(\.count) == [Int64(events.filter { $0.eventName == "view" }.count), Int64(events.filter { $0.eventName == "signup" }.count)])
        let from = Timestamp(iso8601: "2024-05-01T00:00:00Z")!
        let to = Timestamp(iso8601: "2024-05-04T00:00:00Z")!
        let trend = try await store.trends(TrendQuery(eventName: "view", from: from, to: to, interval: .day))
        for point in trend {
            let inBucket = events.filter { $0.eventName == "view" && $0.timestamp.dayStart == point.bucket }
            #expect(point.events == Int64(inBucket.count))
            #expect(point.users == Int64(Set(inBucket.map(\.userID)).count))
        }
        #expect(trend.map(\.events).reduce(0, +) == stats.topEvents[0].count)
        let hourlyAll = try await store.trends(TrendQuery(eventName: nil, from: from, to: to, interval: .hour))
        #expect(hourlyAll.map(\.events).reduce(0, +) == 50)
    }

    @Test func eventPagesWalkNewestFirstWithoutGapsOrRepeats() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite")
        // Several events share a timestamp: the cursor must break ties by id.
        let events = (0..<25).map { event("e\($0)", name: $0 % 2 == 0 ? "even" : "odd", at: "2024-05-06T07:0\($0 % 4):00Z") }
        _ = try await write(store, events)
        // Newest first across pages; ties in timestamp in reverse insertion order (the row id).
        func newestFirst(_ events: [Event]) -> [String] {
            events.enumerated().sorted { ($0.element.timestamp, $0.offset) > ($1.element.timestamp, $1.offset) }.map(\.element.eventID)
        }
        let seen = try await walkEventPages(store, EventQuery(limit: 4)).map(\.eventID)
        #expect(seen == newestFirst(events))
        let odd = try await walkEventPages(store, EventQuery(limit: 4, eventName: "odd")).map(\.eventID)
        #expect(odd == newestFirst(events.filter { $0.eventName == "odd" }))
        #expect(odd.count == 12)
        let user = try await walkEventPages(store, EventQuery(limit: 3, userID: "u1")).map(\.eventID)
        #expect(user == newestFirst(events))
        let before = try #require(Timestamp(iso8601: "2024-05-06T07:01:00Z"))
        let early = try await walkEventPages(store, EventQuery(limit: 4, before: before)).map(\.eventID)
        #expect(early == newestFirst(events.filter { $0.timestamp < before }))
        #expect(!early.isEmpty)
    }

    @Test func propertiesComeBackExactly() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite")
        let properties = try #require(
            try JSONParser.parse(
                #"{"price":19.99,"n":1,"f":1.0,"tags":["a","b",0],"coupon":null,"t":"Ünïcödé ✓ 🚀🎉 日本語","cart":{"items":[{"sku":"S","qty":2}]}}"#
            ).objectValue)
        _ = try await write(store, [event("p", properties: properties)])
        #expect(try await store.events(EventQuery(limit: 1)).rows.first?.event.properties == properties)
    }
}

@Suite struct EmbeddedMigrationsTests {
    /// The SQL compiled into the binary must be what migrations/ holds (run scripts/generate-migrations.sh).
    @Test func embeddedSQLMatchesTheMigrationsFolder() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try await ChildProcess.run(
            "/bin/bash", [root.appendingPathComponent("scripts/generate-migrations.sh").path, output.path], timeout: .seconds(60))
        #expect(result.status == 0, "\(result.output)")
        for file in ["Migrations+Postgres.swift", "Migrations+SQLite.swift"] {
            let generated = try String(contentsOf: output.appendingPathComponent(file), encoding: .utf8)
            let committed = try String(contentsOfFile: root.appendingPathComponent("Sources/Stages/Persist/\(file)").path, encoding: .utf8)
            #expect(generated == committed, "run scripts/generate-migrations.sh and commit the result")
        }
    }
}
