// The ingest routes as sources: only listed sources are served (others 404), CORS on the
// ingest routes only, the client address behind trusted proxies, and check-config's listing.

import Foundation
import PipelineKit
import Testing

@testable import SmolHogServer

@Suite struct SourceRoutesTests {
    static func config(in dir: String, sources: String = "", server: String = "") throws -> String {
        let text = """
            server: {listen: "127.0.0.1:0"\(server)}
            \(sources)
            stages:
              - validate
              - queue: {embedded: {path: data/queue.sqlite}}
              - persist: {sqlite: {path: data/smolhog.sqlite}}
              - aggregate
            """
        let path = dir + "/pipeline.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A source on `/ping` (GET and POST).
    struct PingSource: Source {
        static let name = "ping"
        static let routes = [SourceRoute("/ping/", methods: [.get, .post])]
        static func build(_ config: NoSourceOptions, context: BuildContext) async throws -> PingSource { PingSource() }
        func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse {
            SourceResponse(status: 200, json: ["status": 1])
        }
    }

    @Test func onlyListedSourcesAreRoutedSoAnUnlistedOneAnswers404() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plugins = try Plugins.builtIn.adding(sources: [PingSource.self])
        let unlisted = try await SmolHogServer.$plugins.withValue(plugins) {
            try await Daemon.servedRoutes(configFile: try Self.config(in: dir, sources: "sources: [native]"))
        }
        #expect(unlisted["/ping"] == nil)
        #expect(unlisted["/events"] == ["post", "options"])
        let listed = try await SmolHogServer.$plugins.withValue(plugins) {
            try await Daemon.servedRoutes(configFile: try Self.config(in: dir, sources: "sources: [ping]"))
        }
        #expect(listed["/ping"] == ["get", "post", "options"])
        #expect(listed["/events"] == nil, "native is served only when listed (or when sources: is absent)")
        #expect(listed["/analytics/stats"] != nil)
        let absent = try await Daemon.servedRoutes(configFile: try Self.config(in: dir))
        #expect(absent["/events"] == ["post", "options"], "no sources: serves native, as before")
    }

    @Test func checkConfigListsTheSourcesWithTheirRoutes() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try await DaemonProcess.runToExit(["check-config", try Self.config(in: dir, sources: "sources: [native]")], timeout: .seconds(60))
        #expect(result.status == 0)
        #expect(result.output.contains("OK, 4 stages, 1 source"), "\(result.output)")
        #expect(result.output.contains("source native     POST,OPTIONS     /events"), "\(result.output)")
        let bad = try await DaemonProcess.runToExit(["check-config", try Self.config(in: dir, sources: "sources: [native, posthg]")], timeout: .seconds(60))
        #expect(bad.status == 1)
        #expect(
            bad.output.contains("pipeline.yaml:2:19: sources[1]: unknown source 'posthg' (did you mean 'posthog'?); expected one of: native, posthog, segment"),
            "\(bad.output)")
    }

    @Test func ingestAnswersCarryCORSAndAListedOriginIsReflected() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.config(
            in: dir, server: #", cors: {allowed_origins: ["https://shop.example.com"], max_age_s: 600}, trusted_proxies: [127.0.0.1]"#)
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }

        let preflight = try await daemon.request(
            "OPTIONS", "/events", headers: ["Origin": "https://shop.example.com", "Access-Control-Request-Headers": "content-type, content-encoding"])
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == "https://shop.example.com")
        #expect(preflight.header("Access-Control-Allow-Methods") == "POST, OPTIONS")
        #expect(preflight.header("Access-Control-Allow-Headers") == "content-type, content-encoding")
        #expect(preflight.header("Access-Control-Max-Age") == "600")
        #expect(preflight.header("Vary")?.contains("Origin") == true)

        let other = try await daemon.request("OPTIONS", "/events", headers: ["Origin": "https://evil.example.com"])
        #expect(other.status == 204)
        #expect(other.header("Access-Control-Allow-Origin") == nil, "an origin not listed gets no Allow-Origin")

        let event = #"{"events":[{"event_id":"cors-1","event_name":"x","user_id":"u","timestamp":"2024-01-01T00:00:00Z"}]}"#
        let post = try await daemon.request("POST", "/events", body: Data(event.utf8), headers: ["Origin": "https://shop.example.com"])
        #expect(post.status == 200)
        #expect(post.header("Access-Control-Allow-Origin") == "https://shop.example.com")
        let slash = try await daemon.request("POST", "/events/", body: Data(event.replacingOccurrences(of: "cors-1", with: "cors-2").utf8))
        #expect(slash.status == 200, "a route answers with a trailing slash too")
        let error = try await daemon.request("POST", "/events", body: Data("{".utf8), headers: ["Origin": "https://shop.example.com"])
        #expect(error.status == 400)
        #expect(error.header("Access-Control-Allow-Origin") == "https://shop.example.com", "errors carry it too")
        let analytics = try await daemon.request("GET", "/analytics/stats", headers: ["Origin": "https://shop.example.com"])
        #expect(analytics.header("Access-Control-Allow-Origin") == nil, "analytics routes get no CORS")
    }
}

extension HTTPSurfaceTests {
    @Test func ingestAnswersAllowAnyOriginByDefaultAndPreflightsAre204() async throws {
        let daemon = try Self.daemon
        let preflight = try await daemon.request(
            "OPTIONS", "/events", headers: ["Origin": "https://site.example", "Access-Control-Request-Headers": "x-custom"])
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == "*")
        #expect(preflight.header("Access-Control-Allow-Headers") == "x-custom")
        #expect(preflight.header("Access-Control-Max-Age") == "86400")
        let refused = try await daemon.request("POST", "/events", body: Data("[]".utf8))
        #expect(refused.status == 400)
        #expect(refused.header("Access-Control-Allow-Origin") == "*")
    }
}
