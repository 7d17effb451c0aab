import Foundation
import Testing

/// Ingest nodes and workers as separate processes sharing a real RabbitMQ and PostgreSQL.
@Suite(.enabled(if: ServiceHarness.available, ServiceHarness.skipReason))
struct SplitDeploymentTests {
    struct Deployment {
        let dir: String
        let config: String
        let queue: String
        let database: String
    }

    static func deployment(maxEventNameLength: Int = 200, prefetch: Int = 50, maxAttempts: Int = 3) async throws -> Deployment {
        let dir = try temporaryDirectory()
        let queue = "e2e-" + UUID().uuidString.prefix(8)
        let database = try await ServiceHarness.freshDatabase()
        let config = try await ServiceHarness.writeSplitConfig(
            in: dir, queue: queue, database: database, maxEventNameLength: maxEventNameLength, prefetch: prefetch, maxAttempts: maxAttempts)
        return Deployment(dir: dir, config: config, queue: queue, database: database)
    }

    static func worker(_ deployment: Deployment) async throws -> DaemonProcess {
        let worker = DaemonProcess(arguments: ["worker", "--config", deployment.config])
        try await worker.start(waitingFor: "Worker consuming")
        return worker
    }

    static func ingest(_ deployment: Deployment) async throws -> DaemonProcess {
        let ingest = DaemonProcess(arguments: ["serve", "--role", "ingest", "--config", deployment.config])
        try await ingest.start()
        return ingest
    }

    /// Waits until the store holds every accepted event; then checks nothing is stored twice
    /// and totals are exact. With `allowUnconfirmed`, events whose request was refused may be
    /// stored too (a publish the broker took but could not confirm before the outage): the
    /// client retries those, and storage is exactly once per event_id.
    static func expectStoredExactly(
        _ recorder: LoadRecorder, via node: DaemonProcess, logsOf others: [DaemonProcess] = [], allowUnconfirmed: Bool = false
    ) async throws {
        let accepted = await recorder.accepted
        var stored: [String] = []
        let drained = try await waitFor(timeout: .seconds(90)) {
            guard (try await node.stats()["total_events"] as? Int ?? 0) >= accepted.count else { return false }
            stored = try await node.storedIDs()
            return accepted.isSubset(of: stored)
        }
        let stats = try await node.stats()
        let tails = others.map { process in
            // A crash report's own backtrace fills any tail: show where it starts too.
            let crash = process.log.range(of: "Fatal error").map { String(process.log[$0.lowerBound...].prefix(3000)) + "\n...\n" } ?? ""
            return crash + String(process.log.suffix(4000))
        }.joined(separator: "\n---\n")
        #expect(drained, "store has \(stats["total_events"] ?? "?") events, \(accepted.count) were accepted; logs:\n\(tails)")
        stored = try await node.storedIDs()
        #expect(stored.count == Set(stored).count, "an event was stored twice")
        #expect(stats["total_events"] as? Int == stored.count, "rollup total differs from the stored rows")
        let missing = accepted.subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) accepted events are not stored, e.g. \(missing.sorted().prefix(5))")
        if !allowUnconfirmed {
            let unexpected = Set(stored).subtracting(accepted)
            #expect(unexpected.isEmpty, "\(unexpected.count) stored events were never accepted, e.g. \(unexpected.sorted().prefix(5))")
            #expect(stats["unique_users"] as? Int == (await recorder.users).count)
        }
    }

    @Test func roundTripThroughRabbitMQToPostgres() async throws {
        let deployment = try await Self.deployment()
        defer { try? FileManager.default.removeItem(atPath: deployment.dir) }
        let ingest = try await Self.ingest(deployment)
        defer { ingest.kill(SIGTERM) }
        let worker = try await Self.worker(deployment)
        defer { worker.kill(SIGTERM) }
        let recorder = LoadRecorder()
        for batch in 0..<10 { await ingest.post(range: batch * 100..<(batch + 1) * 100, prefix: "rt", into: recorder) }
        // A client retry of a batch already taken: stored once.
        await ingest.post(range: 0..<100, prefix: "rt", into: recorder)
        #expect(await recorder.refused == 0)
        try await Self.expectStoredExactly(recorder, via: ingest)
        let health = try await ingest.json("GET", "/healthz")
        #expect(health.status == 200)
    }

    @Test func aWorkerKilledMidBatchLosesAndDuplicatesNothing() async throws {
        // Two messages (500 events) per store transaction: with the default prefetch, the two
        // loops took the whole backlog in two transactions, and a fast worker could commit
        // both before the kill.
        let deployment = try await Self.deployment(prefetch: 2)
        defer { try? FileManager.default.removeItem(atPath: deployment.dir) }
        let ingest = try await Self.ingest(deployment)
        defer { ingest.kill(SIGTERM) }
        let recorder = LoadRecorder()
        // Queue a backlog first (30,000 events: a worker stored 15,000 before the first poll saw
        // any), so the worker is mid-stream when it dies.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in 0..<120 { group.addTask { await ingest.post(range: batch * 250..<(batch + 1) * 250, prefix: "k", into: recorder) } }
            try await group.waitForAll()
        }
        #expect(await recorder.refused == 0)
        let first = try await Self.worker(deployment)
        let started = try await waitFor(timeout: .seconds(60)) { (try await ingest.stats()["total_events"] as? Int ?? 0) > 0 }
        #expect(started)
        await first.stop(SIGKILL)
        let partial = try await ingest.stats()["total_events"] as? Int ?? 0
        #expect(partial < 30_000, "the worker finished before it could be killed; the test proves nothing")
        let second = try await Self.worker(deployment)
        defer { second.kill(SIGTERM) }
        try await Self.expectStoredExactly(recorder, via: ingest)
        let stats = try await ingest.stats()
        #expect((stats["top_events"] as? [[String: Any]])?.first?["count"] as? Int == 30_000)
    }

    @Test func anEventBeyondTheStoresLimitsFromALooserIngestNodeIsDeadLetteredWithoutAFailedWriteAndTheRestOfItsRequestIsStored() async throws {
        let deployment = try await Self.deployment(maxAttempts: 4)
        defer { try? FileManager.default.removeItem(atPath: deployment.dir) }
        // check-config refuses a validate that lets through names PostgreSQL's VARCHAR(255) cannot hold.
        let loose = try String(contentsOfFile: deployment.config, encoding: .utf8)
            .replacingOccurrences(of: "max_event_name_length: 200", with: "max_event_name_length: 1000")
        let loosePath = deployment.dir + "/loose.yaml"
        try loose.write(toFile: loosePath, atomically: true, encoding: .utf8)
        let checked = try await DaemonProcess.runToExit(["check-config", loosePath])
        #expect(checked.status == 1)
        #expect(checked.output.contains("max_event_name_length") && checked.output.contains("at most 255"), "\(checked.output)")
        // An ingest node whose own store holds long names (SQLite) lets one through, as a node
        // configured apart from the workers could: the worker's PostgreSQL refuses that event.
        let ingestPath = deployment.dir + "/ingest.yaml"
        let persist = #"- persist: {postgres: {url: "\#(deployment.database)", pool: 4}}"#
        #expect(loose.contains(persist))
        try loose.replacingOccurrences(of: persist, with: "- persist: {sqlite: {path: ingest-store.sqlite}}")
            .write(toFile: ingestPath, atomically: true, encoding: .utf8)
        let ingest = DaemonProcess(arguments: ["serve", "--role", "ingest", "--config", ingestPath])
        try await ingest.start()
        defer { ingest.kill(SIGTERM) }
        let reader = try await Self.ingest(deployment)
        defer { reader.kill(SIGTERM) }
        var events: [[String: Any]] = (0..<10).map {
            ["event_id": "req-\($0)", "event_name": "fine", "user_id": "u\($0)", "timestamp": "2024-05-06T07:08:09Z"]
        }
        events[4]["event_name"] = String(repeating: "x", count: 300)
        let answer = try await ingest.json("POST", "/events", body: ["events": events])
        #expect(answer.status == 200)
        #expect(answer.json["events_accepted"] as? Int == 10)
        let worker = try await Self.worker(deployment)
        defer { worker.kill(SIGTERM) }
        let kept = try await waitFor(timeout: .seconds(60)) {
            let letters = try await ServiceHarness.run("/usr/bin/psql", [deployment.database, "-Atc", "SELECT count(*) FROM dead_letters"])
            return letters.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }
        #expect(kept)
        let stored = try await waitFor(timeout: .seconds(30)) { try await reader.stats()["total_events"] as? Int == 9 }
        #expect(stored, "the other nine events of the request are stored, and counted once")
        #expect(Set(try await reader.storedIDs()) == Set((0..<10).filter { $0 != 4 }.map { "req-\($0)" }))
        #expect(try await ServiceHarness.queueDepth(deployment.queue + ".dead") == 0, "no message is dead-lettered: its good events are stored")
        // PostgreSQL declares 255-byte names: the worker refuses the event before writing it,
        // so no write fails at all.
        let failed = worker.logLines.filter { $0.contains("Store write failed; retrying.") }
        #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))")
        let recorded = try await ServiceHarness.run(
            "/usr/bin/psql",
            [
                deployment.database, "-Atc",
                "SELECT source, reason LIKE '%store refused event req-4: event_name is 300 bytes; the store holds at most 255%', length(payload) > 300 FROM dead_letters",
            ])
        #expect(recorded.output.trimmingCharacters(in: .whitespacesAndNewlines) == "worker|t|t", "\(recorded.output)")
    }

    @Test func twoIngestNodesAndTwoWorkersShareOneQueueExactly() async throws {
        let deployment = try await Self.deployment()
        defer { try? FileManager.default.removeItem(atPath: deployment.dir) }
        let ingestA = try await Self.ingest(deployment)
        defer { ingestA.kill(SIGTERM) }
        let ingestB = try await Self.ingest(deployment)
        defer { ingestB.kill(SIGTERM) }
        let workerA = try await Self.worker(deployment)
        defer { workerA.kill(SIGTERM) }
        let workerB = try await Self.worker(deployment)
        defer { workerB.kill(SIGTERM) }
        let recorder = LoadRecorder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in 0..<40 {
                let node = batch % 2 == 0 ? ingestA : ingestB
                // Batches overlap by half: the same ids arrive through both nodes.
                group.addTask { await node.post(range: batch * 100..<batch * 100 + 200, prefix: "two", into: recorder) }
            }
            try await group.waitForAll()
        }
        #expect(await recorder.refused == 0)
        try await Self.expectStoredExactly(recorder, via: ingestB)
        #expect(workerA.log.contains("Worker consuming") && workerB.log.contains("Worker consuming"))
    }

    /// SIGTERM while the worker is mid-backlog: it finishes and acks the group in hand, exits
    /// 0, and every message it did not ack goes back to the queue whole.
    @Test func aWorkerStoppedMidBacklogAcksWhatItStoredAndExitsZero() async throws {
        let deployment = try await Self.deployment(prefetch: 2)
        defer { try? FileManager.default.removeItem(atPath: deployment.dir) }
        let ingest = try await Self.ingest(deployment)
        defer { ingest.kill(SIGTERM) }
        let recorder = LoadRecorder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in 0..<120 { group.addTask { await ingest.post(range: batch * 250..<(batch + 1) * 250, prefix: "g", into: recorder) } }
            try await group.waitForAll()
        }
        #expect(await recorder.accepted.count == 30_000)
        let worker = try await Self.worker(deployment)
        defer { worker.kill(SIGKILL) }
        let started = try await waitFor(timeout: .seconds(60)) { (try await ingest.stats()["total_events"] as? Int ?? 0) > 0 }
        try #require(started, "the worker stored nothing; log:\n\(worker.log.suffix(3000))")
        // Frozen while the store is read: the SIGTERM is known to arrive mid-backlog.
        worker.signal(SIGSTOP)
        let before = try await ingest.stats()["total_events"] as? Int ?? 0
        worker.signal(SIGTERM)
        worker.signal(SIGCONT)
        #expect(before < 30_000, "the worker finished the backlog before SIGTERM; the test proves nothing")
        var status = await worker.waitForExit(timeout: .seconds(60))
        if status == nil { status = await worker.stop(SIGKILL) }
        #expect(status == 0, "the worker exited with \(status.map(String.init) ?? "?") on SIGTERM; log:\n\(worker.log.suffix(3000))")
        let stored = try await ingest.stats()["total_events"] as? Int ?? 0
        // Messages hold 250 events each: what is back in the queue is exactly what was not stored.
        var depth: Int?
        let settled = try await waitFor(timeout: .seconds(30)) {
            depth = try await ServiceHarness.queueDepth(deployment.queue)
            return depth.map { $0 * 250 == 30_000 - stored } ?? false
        }
        #expect(settled, "\(depth.map(String.init) ?? "?") messages queued, \(stored) of 15000 events stored")
        let second = try await Self.worker(deployment)
        defer { second.kill(SIGTERM) }
        try await Self.expectStoredExactly(recorder, via: ingest, logsOf: [worker, second])
        #expect(await second.stop(SIGTERM) == 0)
        #expect(try await ServiceHarness.queueDepth(deployment.queue) == 0)
    }
}
