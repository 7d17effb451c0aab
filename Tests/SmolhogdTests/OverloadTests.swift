import Foundation
import Testing

/// Far more load than the worker can store: past `server.max_backlog_events` ingest answers
/// 503 `overloaded` with Retry-After instead of taking more, memory stays bounded, and once
/// the load stops and the backlog drains a POST is answered within a second again within 10 s.
@Suite(.serialized) struct OverloadTests {
    /// Resident memory of a process, from /proc/PID/status (VmRSS), in bytes.
    static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    static func batch(_ prefix: String, count: Int) throws -> Data {
        let events = (0..<count).map { EmbeddedEndToEndTests.event("\(prefix)-\($0)", user: "user-\($0 % 50)", name: "load") }
        return try JSONSerialization.data(withJSONObject: ["events": events])
    }

    actor Tally {
        var statuses: [Int: Int] = [:]
        var overloaded: DaemonProcess.HTTPAnswer?
        var peakRSS = 0
        func record(_ answer: DaemonProcess.HTTPAnswer) {
            statuses[answer.status, default: 0] += 1
            if answer.status == 503, overloaded == nil { overloaded = answer }
        }
        func sample(_ bytes: Int?) { peakRSS = max(peakRSS, bytes ?? 0) }
        var sawOverload: Bool { overloaded != nil }
    }

    @Test func pastTheBacklogBoundIngestAnswersOverloadedAndRecoversOnceDrained() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/pipeline.yaml"
        try """
        server: {listen: "127.0.0.1:0", max_backlog_events: 3000}
        stages:
          - validate: {max_batch: 500}
          - queue: {embedded: {path: data/queue.sqlite}}
          - persist: {sqlite: {path: data/smolhog.sqlite}}
          - aggregate
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        let pid = daemon.process.processIdentifier

        // 24 posters of max-size batches, for at most 60 s or until 3 s after the first refusal.
        let tally = Tally()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for poster in 0..<24 {
                group.addTask {
                    var request = 0
                    var stopAt: ContinuousClock.Instant?
                    while clock.now < (stopAt ?? deadline) {
                        let answer = try await daemon.request("POST", "/events", body: try Self.batch("p\(poster)-\(request)", count: 500))
                        await tally.record(answer)
                        await tally.sample(Self.residentBytes(pid))
                        if stopAt == nil, await tally.sawOverload { stopAt = clock.now + .seconds(3) }
                        request += 1
                    }
                }
            }
            try await group.waitForAll()
        }
        let statuses = await tally.statuses
        let refusal = try #require(await tally.overloaded, "no 503 under load: \(statuses)")
        #expect(refusal.json["error"] as? String == "overloaded", "\(refusal.text)")
        #expect(refusal.header("Retry-After") != nil)
        #expect((refusal.json["backlog_events"] as? Int ?? 0) >= 3000, "\(refusal.text)")
        #expect(Set(statuses.keys).isSubset(of: [200, 503]), "\(statuses)")
        let peak = await tally.peakRSS
        #expect(peak > 0 && peak < 400 * 1024 * 1024, "peak RSS \(peak / 1024 / 1024) MB")

        // Load gone: the backlog drains, then a normal POST is taken at once.
        var readyz = try await daemon.request("GET", "/readyz")
        #expect(
            try await waitFor(timeout: .seconds(120)) {
                readyz = try await daemon.request("GET", "/readyz")
                return readyz.json["backlog_events"] as? Int == 0
            }, "\(readyz.text)")
        #expect(readyz.status == 200, "\(readyz.text)")
        // Back to normal latency within 10 s of the drain: a POST answered 200 in under a
        // second (one slow answer is allowed while the suite's other tests load the disk).
        let drained = clock.now
        var latencies: [Duration] = []
        var normal = false
        var attempt = 0
        while !normal && clock.now - drained < .seconds(10) {
            let started = clock.now
            let answer = try await daemon.request("POST", "/events", body: try Self.batch("after-\(attempt)", count: 10))
            attempt += 1
            latencies.append(clock.now - started)
            #expect(answer.status == 200, "\(answer.text)")
            normal = answer.status == 200 && clock.now - started < .seconds(1)
        }
        #expect(normal, "no POST answered within a second in the 10 s after the backlog drained: \(latencies)")
    }
}
