// AnalyticsUnavailableTests: the analytics routes while the store cannot be reached answer as
// docs/api.md and docs/openapi.json say (503 store_unavailable, Retry-After), over HTTP
// against the real binary.

import Foundation
import Testing

@Suite struct AnalyticsUnavailableTests {
    @Test func analyticsReadsAnswer503StoreUnavailableWhileTheStoreIsUnreachable() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Port 9 (discard) has no listener on loopback: every connection attempt is refused.
        // A short operation timeout keeps each read's wait for a connection brief.
        let config = """
            server: {listen: "127.0.0.1:0"}
            stages:
              - validate
              - queue: {embedded: {path: data/queue.sqlite}}
              - persist: {postgres: {url: "postgres://smolhog@127.0.0.1:9/smolhog", operation_timeout_ms: 500}}
              - aggregate
            """
        try config.write(toFile: dir + "/pipeline.yaml", atomically: true, encoding: .utf8)
        let daemon = DaemonProcess(arguments: ["serve", "--config", dir + "/pipeline.yaml"])
        try await daemon.start()
        defer { daemon.kill(SIGKILL) }
        for path in ["/analytics/stats", "/analytics/events?limit=5", "/analytics/trends?interval=hour"] {
            let answer = try await daemon.request("GET", path)
            #expect(answer.status == 503, "\(path): \(answer.status) \(answer.text)")
            #expect(answer.json["code"] as? String == "store_unavailable", "\(path): \(answer.text)")
            #expect((answer.json["message"] as? String)?.contains("PostgreSQL") == true, "\(path): \(answer.text)")
            #expect(answer.header("Retry-After") == "1", "\(path)")
        }
        #expect(await daemon.stop(SIGTERM) == 0, "serve exited non-zero on SIGTERM; log:\n\(daemon.log.suffix(3000))")
    }
}
