import Foundation
import Testing

/// GET /readyz and GET /healthz tell the truth: a queue that refuses publishes, or a worker
/// that cannot store, turns both into 503 naming the dependency, within a second, and back.
@Suite(.serialized) struct ReadinessTests {
    /// Asks `path` until it answers `status` or `timeout` passes; the last answer either way.
    static func answer(
        _ daemon: DaemonProcess, _ method: String, _ path: String, body: Data? = nil, status: Int, within timeout: Duration
    ) async throws -> (reached: Bool, last: DaemonProcess.HTTPAnswer) {
        var last = try await daemon.request(method, path, body: body)
        let reached = try await waitFor(timeout: timeout) {
            last = try await daemon.request(method, path, body: body)
            return last.status == status
        }
        return (reached, last)
    }

    static func event(_ id: String) -> Data {
        Data(#"{"events":[{"event_id":"\#(id)","event_name":"ready.check","user_id":"u","timestamp":"2024-02-01T10:00:00Z"}]}"#.utf8)
    }

    /// The queue file, its folder, or its `-shm` made read-only while the daemon runs: POST
    /// answers 503 naming the queue (the process stays up: SQLite never writes through a
    /// read-only `-shm` mapping), /readyz and /healthz say so within a second without an
    /// absolute path, and all three come back once the mode is restored.
    @Test(arguments: ["data/queue.sqlite", "data", "data/queue.sqlite-shm"])
    func aReadOnlyQueueFileMakesPostsReadyzAndHealthz503NamingTheQueue(target: String) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try EmbeddedEndToEndTests.writeConfig(in: dir)
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        #expect(try await daemon.request("POST", "/events", body: Self.event("before")).status == 200)
        #expect(try await daemon.request("GET", "/readyz").json["status"] as? String == "ready")

        let path = dir + "/" + target
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        try FileManager.default.setAttributes([.posixPermissions: target == "data" ? 0o555 : 0o444], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path) }
        let changed = ContinuousClock.now

        let (notReady, readyz) = try await Self.answer(daemon, "GET", "/readyz", status: 503, within: .seconds(1))
        #expect(notReady, "readyz still \(readyz.status) \(readyz.text) after \(ContinuousClock.now - changed)")
        #expect(readyz.header("Retry-After") != nil)
        #expect(readyz.json["status"] as? String == "not_ready")
        #expect((readyz.json["queue"] as? [String: Any])?["ready"] as? Bool == false, "\(readyz.text)")
        #expect((readyz.json["message"] as? String)?.contains("queue") == true)
        // The queue asks its probe again at most every 200 ms: within the same second.
        let (refused, post) = try await Self.answer(daemon, "POST", "/events", body: Self.event("during"), status: 503, within: .seconds(1))
        #expect(refused, "\(post.text)")
        #expect(post.header("Retry-After") != nil)
        #expect(post.json["code"] as? String == "queue_unavailable")
        #expect((post.json["message"] as? String)?.contains("embedded queue") == true, "\(post.text)")
        let health = try await daemon.request("GET", "/healthz")
        #expect(health.status == 503, "\(health.text)")
        #expect((health.json["queue"] as? [String: Any])?["up"] as? Bool == false)
        for answer in [readyz, post, health] {
            #expect(!answer.text.contains(dir), "an absolute path reached a client: \(answer.text)")
        }
        #expect(daemon.exitStatus == nil, "smolhogd ended: \(daemon.log)")

        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        let (taken, after) = try await Self.answer(daemon, "POST", "/events", body: Self.event("after"), status: 200, within: .seconds(5))
        #expect(taken, "\(after.text)")
        #expect(try await daemon.request("GET", "/readyz").status == 200)
        #expect(try await daemon.request("GET", "/healthz").status == 200)
    }

    /// A PostgreSQL store whose server stops: the worker cannot store, and /readyz says the
    /// store is behind (naming it) while the embedded queue still takes events; after the
    /// server is back, the worker catches up and /readyz is 200 again.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/15/bin/pg_ctl"), "needs PostgreSQL 15"))
    func aStoreTheWorkerCannotWriteMakesReadyzSayTheStoreIsBehind() async throws {
        let script = ServiceHarness.root.appendingPathComponent("scripts/services/postgres.sh").path
        let dir = try temporaryDirectory()
        let server = dir + "/postgres"
        defer {
            _ = try? FileManager.default.removeItem(atPath: dir)
        }
        let started = try await ServiceHarness.run("/bin/bash", [script, "start", server])
        let url = try #require(started.output.firstMatch(of: /SMOLHOG_TEST_POSTGRES_URL=(\S+)/).map { String($0.1) }, "\(started.output)")
        do {
            let config = dir + "/pipeline.yaml"
            try """
            server: {listen: "127.0.0.1:0"}
            worker: {backoff_ms: 50, max_backoff_ms: 200}
            stages:
              - validate: {max_batch: 200}
              - queue: {embedded: {path: data/queue.sqlite}}
              - persist: {postgres: {url: "\(url)", pool: 2}}
              - aggregate
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let migrated = try await DaemonProcess.runToExit(["migrate", "--config", config])
            try #require(migrated.status == 0, "\(migrated.output)")
            let daemon = DaemonProcess(arguments: ["serve", "--config", config])
            try await daemon.start()
            defer { daemon.kill(SIGTERM) }
            #expect(try await daemon.request("POST", "/events", body: Self.event("stored")).status == 200)
            #expect(try await waitFor(timeout: .seconds(10)) { try await daemon.request("GET", "/readyz").status == 200 })

            try await ServiceHarness.run("/bin/bash", [script, "stop", server])
            #expect(try await daemon.request("POST", "/events", body: Self.event("waits")).status == 200, "the queue still takes events")
            let (behind, readyz) = try await Self.answer(daemon, "GET", "/readyz", status: 503, within: .seconds(10))
            #expect(behind, "\(readyz.text)")
            let store = readyz.json["store"] as? [String: Any]
            #expect(store?["ready"] as? Bool == false, "\(readyz.text)")
            #expect((store?["detail"] as? String)?.contains("behind") == true, "\(readyz.text)")
            #expect((readyz.json["queue"] as? [String: Any])?["ready"] as? Bool == true)
            #expect(try await daemon.request("GET", "/healthz").status == 503)

            try await ServiceHarness.run("/bin/bash", [script, "start", server])
            #expect(try await waitFor(timeout: .seconds(30)) { try await daemon.request("GET", "/readyz").status == 200 })
        } catch {
            _ = try? await ServiceHarness.run("/bin/bash", [script, "stop", server])
            throw error
        }
        _ = try? await ServiceHarness.run("/bin/bash", [script, "stop", server])
    }
}
