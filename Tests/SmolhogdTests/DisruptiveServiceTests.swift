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
    /// stops the load and checks every 2xx-accepted event is stored exactly once, and that
    /// every answer was a 200 or a 503 with Retry-After.
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
        let warmedUp = try await waitFor(timeout: .seconds(30)) { await recorder.accepted.count >= 2_000 }
        var failure: (any Error)?
        if warmedUp {
            do { try await outage(ingest, recorder) } catch { failure = error }
        }
        await stopFlag.set()
        await loader.value
        if let failure { throw failure }
        let unexpected = await recorder.unexpected
        try #require(warmedUp, "the load did not get 2,000 events accepted before the outage: \(unexpected.prefix(3))")
        #expect(unexpected.isEmpty, "\(unexpected.count) answers were neither 200 nor 503 with Retry-After, e.g. \(unexpected.prefix(3))")
        try await SplitDeploymentTests.expectStoredExactly(recorder, via: ingest, logsOf: [worker], allowUnconfirmed: true)
    }

    /// Stops `service`, runs `during`, and starts the service again, also when `during` fails
    /// (the next tests need it).
    static func outage(of service: String, _ during: () async throws -> Void) async throws {
        try await ServiceHarness.service(service, "stop")
        do {
            try await during()
        } catch {
            try? await ServiceHarness.service(service, "start")
            throw error
        }
        try await ServiceHarness.service(service, "start")
    }

    /// Waits until /healthz answers 503 with `dependency` down.
    static func healthReportsDown(_ ingest: DaemonProcess, _ dependency: String) async throws -> Bool {
        try await waitFor(timeout: .seconds(30)) {
            let health = try await ingest.json("GET", "/healthz")
            return health.status == 503 && (health.json[dependency] as? [String: Any])?["up"] as? Bool == false
        }
    }

    /// Waits until /healthz answers 200 again.
    static func healthReportsUp(_ ingest: DaemonProcess) async throws -> Bool {
        try await waitFor(timeout: .seconds(60)) { try await ingest.json("GET", "/healthz").status == 200 }
    }

    @Test func brokerRestartUnderLoadLosesNothingThatGotA2xx() async throws {
        try await Self.underLoad(prefix: "br") { ingest, recorder in
            try await Self.outage(of: "rabbitmq") {
                #expect(try await Self.healthReportsDown(ingest, "queue"), "/healthz did not report the queue down")
                // Refusals are counted only when they are 503 with Retry-After (LoadRecorder).
                let refusedBefore = await recorder.refused
                let refused = try await waitFor(timeout: .seconds(30)) { await recorder.refused >= refusedBefore + 3 }
                let other = await recorder.unexpected
                #expect(refused, "no 503 with Retry-After while the broker was down; other answers: \(other.prefix(3))")
            }
            let before = await recorder.accepted.count
            let answersAgain = try await waitFor(timeout: .seconds(60)) { await recorder.accepted.count >= before + 2_000 }
            let since = await recorder.accepted.count - before
            #expect(answersAgain, "ingest did not answer 2xx again after the broker came back (\(since) events accepted since)")
            #expect(try await Self.healthReportsUp(ingest), "/healthz did not report the queue up again")
            #expect(await recorder.slowestRefusal < .seconds(10), "a refused request hung")
        }
    }

    @Test func postgresRestartUnderLoadLosesAndDoublesNothing() async throws {
        try await Self.underLoad(prefix: "pg") { ingest, recorder in
            try await Self.outage(of: "postgres") {
                #expect(try await Self.healthReportsDown(ingest, "store"), "/healthz did not report the store down")
                // The queue holds events while the store is away: ingest keeps answering 2xx.
                let during = await recorder.accepted.count
                let kept = try await waitFor(timeout: .seconds(30)) { await recorder.accepted.count >= during + 1_000 }
                #expect(kept, "ingest stopped answering 2xx while only the store was down")
            }
            let after = await recorder.accepted.count
            let answersAfter = try await waitFor(timeout: .seconds(60)) { await recorder.accepted.count >= after + 1_000 }
            #expect(answersAfter, "ingest did not keep answering 2xx after PostgreSQL came back")
            #expect(try await Self.healthReportsUp(ingest), "/healthz did not report the store up again")
            let refused = await recorder.refused
            #expect(refused == 0, "ingest refused \(refused) requests although only the store was down")
        }
    }
}

actor StopFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
