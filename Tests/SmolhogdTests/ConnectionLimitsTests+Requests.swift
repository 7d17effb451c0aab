import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The graceful stop's bound and `Expect: 100-continue`.
extension ConnectionLimitsTests {
    @Test func sigtermClosesAStuckRequestAfterTheShutdownTimeoutAndLetsAMovingOneFinish() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let daemon = try await Self.daemon("shutdown_timeout_s: 2, body_timeout_s: 60, idle_timeout_s: 60", in: dir)
        defer { daemon.kill(SIGKILL) }
        let body = Self.event
        let stuck = try RawHTTPConnection(port: daemon.port)
        try stuck.send("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"events\":[")
        let moving = try RawHTTPConnection(port: daemon.port)
        try moving.send(
            "POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body.dropLast(5))")
        // Both requests are in their handlers (the metrics middleware counts them) before the signal.
        let inProgress = try await waitFor(timeout: .seconds(10)) {
            let metrics = try await daemon.request("GET", "/metrics").text
            return metrics.split(separator: "\n").contains {
                $0.hasPrefix("http_server_active_requests") && $0.contains("POST") && ($0.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 2
            }
        }
        #expect(inProgress, "the two POSTs never showed as active requests")
        let signalled = ContinuousClock.now
        daemon.signal(SIGTERM)
        try moving.send(String(body.suffix(5)))
        #expect(try await moving.wait(timeout: .seconds(10)) { $0.response != nil }, "\(moving.text)")
        #expect(moving.response?.status == 200, "the request in progress was not finished: \(moving.text)")
        let status = await daemon.waitForExit(timeout: .seconds(15))
        let waited = ContinuousClock.now - signalled
        #expect(status == 0, "exit status \(status.map(String.init) ?? "none, still running") \(waited) after SIGTERM")
        #expect(waited >= .milliseconds(1500), "exited after \(waited), before shutdown_timeout_s (2)")
        #expect(try await stuck.waitForClose(timeout: .seconds(5)))
    }

    @Test func expect100ContinueIsAnsweredBeforeTheBodyOrRefusedWith413() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let daemon = try await Self.daemon("max_body_bytes: 65536", in: dir)
        defer { daemon.kill(SIGTERM) }
        let body = Self.event
        let client = try RawHTTPConnection(port: daemon.port)
        try client.send(
            "POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        #expect(try await client.wait(timeout: .milliseconds(900)) { $0.text.contains("\r\n\r\n") }, "no 100 Continue: '\(client.text)'")
        #expect(client.text.hasPrefix("HTTP/1.1 100 Continue\r\n"), "\(client.text)")
        try client.send(body)
        #expect(try await client.wait(timeout: .seconds(10)) { RawHTTPConnection.responses(in: $0.received).count == 2 }, "\(client.text)")
        #expect(RawHTTPConnection.responses(in: client.received).last?.status == 200, "\(client.text)")

        let large = try RawHTTPConnection(port: daemon.port)
        try large.send("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n")
        #expect(try await large.waitForClose(timeout: .seconds(5)), "\(large.text)")
        #expect(large.response?.status == 413, "\(large.text)")
        #expect(large.json["code"] as? String == "body_too_large")
        #expect((large.json["message"] as? String)?.contains("server.max_body_bytes") == true)
    }
}
