import Foundation
import Testing

/// Restarts the shared RabbitMQ or PostgreSQL under load. scripts/test.sh runs this suite on
/// its own, after the others, so no other test sees the outage.
@Suite(
    .serialized,
    .enabled(
        if: ServiceHarness.available && ProcessInfo.processInfo.environment["SMOLHOG_DISRUPTIVE"] == "1",
        "run by scripts/test.sh in a pass of its own (SMOLHOG_DISRUPTIVE=1)"))
struct DisruptiveServiceTests {
    /// Posts batches in a loop until `stop` is set, recording 2xx and refusals.
    static func load(_ node: DaemonProcess, prefix: String, recorder: LoadRecorder, until stop: @escaping @Sendable () async -> Bool) async {
        var batch = 0
        while await !stop() {
            await node.post(range: batch * 50..<(batch + 1) * 50, prefix: prefix, into: recorder)
            batch += 1
        }
    }

    /// A split deployment under continuous load: runs `outage` while the load goes on, then
    /// stops the load and checks every 2xx-accepted event is stored exactly once.
    static func underLoad(
        prefix: String, _ outage: (_ ingest: DaemonProcess, _ recorder: LoadRecorder) async throws -> Void
    ) async throws {
        let deployment = try await SplitDeploymentTests.deployment()
        defer { try? FileManager.default.removeItem(atPath: deployment.dir) }
        let ingest = try await SplitDeploymentTests.ingest(deployment)
        defer { ingest.kill(SIGTERM) }
        let worker = try await SplitDeploymentTests.worker(deployment)
        defer { worker.kill(SIGTERM) }
        let recorder = LoadRecorder()
        let stopFlag = StopFlag()
        let loader = Task { await Self.load(ingest, prefix: prefix, recorder: recorder, until: { await stopFlag.isSet }) }
        _ = try await waitFor(timeout: .seconds(30)) { await recorder.accepted.count >= 2_000 }
        try await outage(ingest, recorder)
        await stopFlag.set()
        await loader.value
        try await SplitDeploymentTests.expectStoredExactly(recorder, via: ingest, logsOf: [worker], allowUnconfirmed: true)
    }

    /// Waits until /healthz answers 503 with `dependency` down.
    static func healthReportsDown(_ ingest: DaemonProcess, _ dependency: String) async throws -> Bool {
        try await waitFor(timeout: .seconds(30)) {
            let health = try await ingest.json("GET", "/healthz")
            return health.status == 503 && (health.json[dependency] as? [String: Any])?["up"] as? Bool == false
        }
    }

    @Test func brokerRestartUnderLoadLosesNothingThatGotA2xx() async throws {
        try await Self.underLoad(prefix: "br") { ingest, recorder in
            try await ServiceHarness.service("rabbitmq", "stop")
            #expect(try await Self.healthReportsDown(ingest, "queue"), "/healthz did not report the queue down")
            _ = try await waitFor(timeout: .seconds(30)) { await recorder.refused >= 3 }
            try await ServiceHarness.service("rabbitmq", "start")
            let before = await recorder.accepted.count
            _ = try await waitFor(timeout: .seconds(60)) { await recorder.accepted.count >= before + 2_000 }
            #expect(await recorder.refused > 0, "the outage was not seen by clients")
            #expect(await recorder.slowestRefusal < .seconds(10), "a refused request hung")
        }
    }

    @Test func postgresRestartUnderLoadLosesAndDoublesNothing() async throws {
        try await Self.underLoad(prefix: "pg") { ingest, recorder in
            try await ServiceHarness.service("postgres", "stop")
            #expect(try await Self.healthReportsDown(ingest, "store"), "/healthz did not report the store down")
            // The queue holds events while the store is away: ingest keeps answering 2xx.
            let during = await recorder.accepted.count
            _ = try await waitFor(timeout: .seconds(30)) { await recorder.accepted.count >= during + 1_000 }
            try await ServiceHarness.service("postgres", "start")
            let after = await recorder.accepted.count
            _ = try await waitFor(timeout: .seconds(60)) { await recorder.accepted.count >= after + 1_000 }
        }
    }
}

actor StopFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
