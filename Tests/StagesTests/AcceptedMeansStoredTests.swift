// What the store cannot hold is refused at ingest, and what slips through anyway costs only
// itself: the store's limits reach `check-config` and `validate`, NUL follows the one string
// policy, and the worker stores the rest of a batch the store partly refuses.

import Foundation
import PipelineKit
import Testing

@testable import Stages

@Suite struct AcceptedMeansStoredTests {
    /// The request body as the native source's parser reads it (properties kept as text).
    func rawBatch(_ json: String) throws -> Batch<RawEvent> {
        let (body, _) = try JSONParser.parseEventArray(Array(json.utf8), arrayKey: "events")
        let items = try #require(body.items)
        return Batch(items.indices.compactMap { index in items[index].objectValue.map { RawEvent(fields: $0, rawProperties: body.properties[index]) } })
    }

    func eventJSON(_ index: Int, id: String? = nil, name: String = "view", properties: String = #"{"plan":"pro"}"#) -> String {
        #"{"event_id":"\#(id ?? "e-\(index)")","event_name":"\#(name)","user_id":"u-\#(index % 7)","timestamp":"2024-05-06T07:08:09Z","properties":\#(properties)}"#
    }

    @Test func checkConfigRefusesValidateLimitsTheStoreCannotHold() throws {
        let yaml = """
            stages:
              - validate:
                  max_id_length: 300
                  max_event_name_length: 255
              - queue: {embedded: {path: q.sqlite}}
              - persist: {postgres: {url: "postgres://u@h/db"}}
            """
        let found = issues(yaml)
        #expect(found.map(\.line) == [3], "\(found)")
        #expect(found.first?.path == "stages[0].validate.max_id_length")
        #expect(found.first?.message.contains("at most 255") == true)
        // The same limits on SQLite, which holds any length, are fine.
        #expect(issues(yaml.replacingOccurrences(of: #"{postgres: {url: "postgres://u@h/db"}}"#, with: "{sqlite: {path: s.sqlite}}")).isEmpty)
    }

    @Test(arguments: [StoreLimits.none, PostgresStoreDriver.limits(PostgresStoreConfig(url: "postgres://u@h/db"))])
    func theIngestPathRefusesNULInIDsAndNamesAndReplacesItInProperties(limits: StoreLimits) async throws {
        var events = (0..<100).map { eventJSON($0) }
        events[5] = eventJSON(5, name: #"vi\u0000ew"#)
        events[6] = eventJSON(6, id: #"e-\u0000-6"#)
        events[9] = eventJSON(9, properties: #"{"text":"a\u0000b","k\u0000":1,"nested":{"list":["\u0000"]},"kept":"\\u0000"}"#)
        let batch = try rawBatch(#"{"events":[\#(events.joined(separator: ","))]}"#)
        let accepted = try await ValidateStage(config: .init(), storeLimits: limits).process(batch)
        #expect(accepted.count == 98)
        #expect(accepted.rejections.map(\.index) == [5, 6])
        #expect(accepted.rejections.map(\.field) == ["event_name", "event_id"])
        #expect(accepted.rejections.allSatisfy { $0.reason.contains("U+0000") })
        let replaced = try #require(accepted.items.first { $0.eventID == "e-9" })
        #expect(replaced.properties["text"] == .string("a\u{FFFD}b"))
        #expect(replaced.properties["k\u{FFFD}"] == .number(JSONNumber(1)))
        #expect(replaced.properties["nested"] == .object(["list": .array([.string("\u{FFFD}")])]))
        #expect(replaced.properties["kept"] == .string(#"\u0000"#), "an escaped backslash is not a NUL")
        #expect(!replaced.propertiesJSON.replacingOccurrences(of: #"\\u0000"#, with: "").contains(#"\u0000"#), "no NUL goes to the store")
        let untouched = try #require(accepted.items.first { $0.eventID == "e-10" })
        #expect(untouched.propertiesJSON == #"{"plan":"pro"}"#, "events without NUL keep their text")
    }

    @Test func propertiesGivenAsObjectsFollowTheSamePolicy() async throws {
        let raw = RawEvent(fields: [
            "event_id": "o-1", "event_name": "view", "user_id": "u", "timestamp": "2024-05-06T07:08:09Z",
            "properties": .object(["a\u{0}": .string("\u{0}x\u{0}")]),
        ])
        let accepted = try await ValidateStage(config: .init()).process(Batch([raw]))
        #expect(accepted.items.first?.properties == ["a\u{FFFD}": .string("\u{FFFD}x\u{FFFD}")])
    }

    @Test func timestampsOutsideWhatTheStoreHoldsAreRefused() async throws {
        let limits = StoreLimits(timestamps: Timestamp(microseconds: 0)...Timestamp(microseconds: 4_102_444_800_000_000))
        let raw = RawEvent(fields: ["event_id": "t-1", "event_name": "view", "user_id": "u", "timestamp": "1969-12-31T23:59:59Z"])
        let accepted = try await ValidateStage(config: .init(), storeLimits: limits).process(Batch([raw]))
        #expect(accepted.rejections.map(\.field) == ["timestamp"])
        #expect(accepted.rejections.first?.reason.contains("outside what the store holds") == true)
    }

    /// Events that reach PostgreSQL without `validate` (an older ingest node, a replayed
    /// dead letter): the worker stores the rest and dead-letters each refused event alone.
    @Test(.enabled(if: postgresTestURL != nil)) func postgresRefusalsCostOnlyTheRefusedEvents() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            let graph = try compile(
                """
                worker: {prefetch: 50, max_attempts: 2, backoff_ms: 1, max_backoff_ms: 5}
                stages:
                  - validate
                  - queue: {memory: {}}
                  - persist: {postgres: {url: "\(url)"}}
                  - aggregate
                """, plugins: testPlugins)
            let runtime = try await graph.build(context: BuildContext(baseDirectory: "/", logger: postgresTestLog, role: .worker))
            let queue = try #require(runtime.queue as? MemoryQueue)
            let store = try #require(runtime.store as? PostgresStore)
            var batch = (0..<100).map { event("w-\($0)", user: "u\($0 % 7)") }
            batch[13] = event("w-13", properties: ["text": .string("a\u{0}b")])  // jsonb: 22P05
            batch[71] = event(String(repeating: "x", count: 300))  // VARCHAR(255): refused before the write
            try await queue.publish(batch)
            let worker = WorkerLoop(queue: queue, path: try #require(runtime.worker), settings: runtime.settings, logger: postgresTestLog)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                group.addTask { try await worker.run() }
                let end = ContinuousClock.now + .seconds(60)
                while queue.depth != (0, 0) && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
                let stats = await failure {
                    let totals = try await store.stats(top: 1)
                    #expect(totals.totalEvents == 98, "rollups count exactly the stored events")
                }
                group.cancelAll()
                if let stats { throw stats }
            }
            #expect(queue.depth == (0, 0), "the message is acknowledged")
            #expect(queue.deadLetters.isEmpty)
            let stored = try await fetch(url, "SELECT count(*) FROM events") { try $0.decode(Int.self) }
            #expect(stored == [98])
            let letters = try await fetch(url, "SELECT reason FROM dead_letters ORDER BY id") { try $0.decode(String.self) }
            #expect(letters.count == 2)
            #expect(letters.contains { $0.contains("w-13") && $0.contains("22P05") }, "\(letters)")
            #expect(letters.contains { $0.contains("xxxx") && $0.contains("event_id is 300 bytes; the store holds at most 255") }, "\(letters)")
        }
    }

    @Test func sqliteKeepsDeadLettersWithTheirReason() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try SQLiteStore(path: dir.path + "/s.sqlite")
        try await store.recordDeadLetter(QueueMessage.encode([event("d-1")]), source: "worker", reason: "refused: because")
        let rows = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT reason FROM dead_letters") }
        #expect(rows == ["refused: because"])
    }
}
