import Foundation
import Testing

/// The embedded default, across processes: HTTP in, SIGKILL right after the 2xx, restart,
/// and every accepted event stored exactly once with stats that agree.
@Suite(.serialized) struct EmbeddedEndToEndTests {
    /// The test pipeline, written to `dir`; `sources` (a YAML list such as `[native, posthog]`)
    /// lists the sources, nil leaves `sources:` out (native only).
    static func writeConfig(in dir: String, sources: String? = nil) throws -> String {
        let config =
            (sources.map { "sources: \($0)\n" } ?? "") + """
                server: {listen: "127.0.0.1:0", max_body_bytes: 65536}
                stages:
                  - validate: {max_batch: 200}
                  - enrich:
                      - drop: [password]
                  - queue: {embedded: {path: data/queue.sqlite}}
                  - persist: {sqlite: {path: data/smolhog.sqlite}}
                  - aggregate
                """
        let path = dir + "/pipeline.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// One event a test sends; invalid ones lack user_id.
    struct TestEvent: Sendable {
        var id: String
        var user: String
        var name: String
        var valid = true
        var json: [String: Any] {
            var object = EmbeddedEndToEndTests.event(id, user: user, name: name)
            if !valid { object["user_id"] = nil }
            return object
        }
    }

    static func event(_ id: String, user: String, name: String) -> [String: Any] {
        [
            "event_id": id, "event_name": name, "user_id": user, "timestamp": "2024-05-06T07:08:09.123456+00:00", "session_id": "s-\(user)",
            "properties": ["price": 19.99, "n": 1, "tags": ["a", 0], "password": "secret", "title": "Ünïcödé ✓ 🚀"],
        ]
    }

    @Test func everyAcceptedEventSurvivesSIGKILLAndIsStoredOnce() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.writeConfig(in: dir)

        let first = DaemonProcess(arguments: ["serve", "--config", config])
        try await first.start()
        // 40 requests of 50 events, in parallel; ids repeat across requests (client retries),
        // and every tenth event is invalid (no user_id).
        var accepted = Set<String>()
        var acceptedUsers = Set<String>()
        var acceptedPerName: [String: Int] = [:]
        try await withThrowingTaskGroup(of: (Int, Set<Int>, [TestEvent]).self) { group in
            for request in 0..<40 {
                group.addTask {
                    let events: [TestEvent] = (0..<50).map { index in
                        let number = (request * 50 + index) % 1500  // ids 0..<1500, so some repeat
                        return TestEvent(
                            id: "evt-\(number)", user: "user-\(number % 97)", name: number % 3 == 0 ? "signup" : "page_view", valid: number % 10 != 9)
                    }
                    let (status, json) = try await first.json("POST", "/events", body: ["events": events.map(\.json)])
                    let rejected = Set((json["rejected"] as? [[String: Any]] ?? []).compactMap { $0["index"] as? Int })
                    return (status, rejected, events)
                }
            }
            for try await (status, rejected, events) in group {
                #expect(status == 200)
                #expect(rejected == Set(events.indices.filter { !events[$0].valid }))
                for (index, event) in events.enumerated() where !rejected.contains(index) {
                    if accepted.insert(event.id).inserted {
                        acceptedUsers.insert(event.user)
                        acceptedPerName[event.name, default: 0] += 1
                    }
                }
            }
        }
        await first.stop(SIGKILL)

        let second = DaemonProcess(arguments: ["serve", "--config", config])
        try await second.start()
        defer { second.kill(SIGTERM) }
        let drained = try await waitFor(timeout: .seconds(60)) {
            (try await second.json("GET", "/analytics/stats").json["total_events"] as? Int) == accepted.count
        }
        let statsAfterDrain = try await second.json("GET", "/analytics/stats").json
        #expect(drained, "stored \(statsAfterDrain) of \(accepted.count) accepted")

        var stored: [String] = []
        var cursor: String?
        repeat {
            let query = "/analytics/events?limit=500" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await second.json("GET", query).json
            let events = page["events"] as? [[String: Any]] ?? []
            stored += events.compactMap { $0["event_id"] as? String }
            if let first = events.first {
                #expect((first["properties"] as? [String: Any])?["password"] == nil)
                #expect((first["properties"] as? [String: Any])?["title"] as? String == "Ünïcödé ✓ 🚀")
            }
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        #expect(stored.count == accepted.count, "no event stored twice")
        #expect(accepted.subtracting(stored).isEmpty, "\(accepted.subtracting(stored).count) accepted events are not stored")
        #expect(Set(stored).subtracting(accepted).isEmpty)

        let stats = try await second.json("GET", "/analytics/stats").json
        #expect(stats["unique_users"] as? Int == acceptedUsers.count)
        let top = Dictionary(
            (stats["top_events"] as? [[String: Any]] ?? []).map { ($0["event"] as? String ?? "?", $0["count"] as? Int ?? -1) }, uniquingKeysWith: +)
        #expect(top == acceptedPerName)
    }

    /// SIGTERM while the worker is storing a large backlog: serve finishes the groups in hand,
    /// exits 0, and after a restart every event is stored exactly once.
    @Test func SIGTERMWhileABacklogIsBeingStoredExitsZeroAndLosesOrDoublesNothing() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/pipeline.yaml"
        try """
        server: {listen: "127.0.0.1:0"}
        worker: {prefetch: 1}
        stages:
          - validate: {max_batch: 1000}
          - queue: {embedded: {path: data/queue.sqlite, consumers: 2}}
          - persist: {sqlite: {path: data/smolhog.sqlite}}
          - aggregate
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // The backlog: queued by an ingest-only node, so nothing is stored yet.
        let ingest = DaemonProcess(arguments: ["serve", "--role", "ingest", "--config", config])
        try await ingest.start()
        defer { ingest.kill(SIGTERM) }
        let recorder = LoadRecorder()
        let requests = 100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in 0..<requests {
                if request >= 4 { try await group.next() }
                group.addTask { await ingest.post(range: request * 1000..<(request + 1) * 1000, prefix: "bl", into: recorder) }
            }
            try await group.waitForAll()
        }
        let unexpected = await recorder.unexpected
        #expect(await recorder.accepted.count == requests * 1000, "\(unexpected.prefix(3))")

        // serve drains it; the ingest-only node, still up, watches the store from another
        // process (so serve's start does not race the first look at it).
        let first = DaemonProcess(arguments: ["serve", "--config", config, "--listen", "127.0.0.1:0"])
        defer { first.kill(SIGKILL) }
        try first.process.run()
        let started = try await waitFor(timeout: .seconds(60)) {
            if first.exitStatus != nil { return true }
            return (try await ingest.stats()["total_events"] as? Int ?? 0) > 0
        }
        try #require(started && first.exitStatus == nil, "the worker stored nothing; log:\n\(first.log.suffix(3000))")
        // Frozen, the worker stays where it is while the store is read, so the SIGTERM below
        // is known to arrive with the backlog part stored, however loaded the machine is.
        first.signal(SIGSTOP)
        let before = try await ingest.stats()["total_events"] as? Int ?? 0
        first.signal(SIGTERM)
        first.signal(SIGCONT)
        #expect(before < requests * 1000, "the backlog was stored before SIGTERM; the test proves nothing")
        var status = await first.waitForExit(timeout: .seconds(60))
        if status == nil { status = await first.stop(SIGKILL) }
        #expect(status == 0, "serve exited with \(status.map(String.init) ?? "?") on SIGTERM mid-backlog; log:\n\(first.log.suffix(3000))")
        #expect(first.log.contains("Worker stopped."))

        let second = DaemonProcess(arguments: ["serve", "--config", config, "--listen", "127.0.0.1:0"])
        try await second.start()
        defer { second.kill(SIGTERM) }
        try await SplitDeploymentTests.expectStoredExactly(recorder, via: second, logsOf: [first, second])
        #expect(await second.stop(SIGTERM) == 0)
        #expect(await ingest.stop(SIGTERM) == 0, "ingest-only serve did not exit 0 on SIGTERM")
    }

    @Test func checkConfigPrintsTheGraphOrEveryErrorWithItsLine() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try await DaemonProcess.runToExit(["check-config", try Self.writeConfig(in: dir)])
        #expect(good.status == 0)
        #expect(good.output.contains("validate   RawEvent → Event"))
        let bad = dir + "/bad.yaml"
        try "stages:\n  - validate: {max_batch: many}\n  - queue: {embeded: {}}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try await DaemonProcess.runToExit(["check-config", bad])
        #expect(result.status == 1)
        #expect(result.output.contains("bad.yaml:2:27: stages[0].validate.max_batch: expected an integer, got 'many'"))
        #expect(result.output.contains("bad.yaml:3:"))
    }
}
