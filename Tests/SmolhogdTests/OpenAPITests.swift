// OpenAPITests: the API contract (docs/openapi.json) against the routes `serve` registers, and
// against what the real binary serves at GET /openapi.json.

import Foundation
import Testing

@testable import SmolHogServer

@Suite struct OpenAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The document's paths and, for each, the operations it describes (`get`, `post`).
    static func operations(_ document: [String: Any]) -> [String: Set<String>] {
        let paths = document["paths"] as? [String: Any] ?? [:]
        return paths.mapValues { item in Set((item as? [String: Any] ?? [:]).keys).intersection(OpenAPIRoutes.operationKeys) }
    }

    static func parse(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "the OpenAPI document is not a JSON object")
    }

    /// Every source, so every ingest route is served.
    static let allSources = "[native, posthog, segment]"

    /// The routes `serve` registers with the embedded test config and every source.
    static func registeredRoutes() async throws -> [String: Set<String>] {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try await Daemon.servedRoutes(configFile: try EmbeddedEndToEndTests.writeConfig(in: dir, sources: allSources))
    }

    @Test func theBinaryEmbedsDocsOpenAPIJSONAsWritten() throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(
            OpenAPIDocument.json == file.trimmingCharacters(in: .newlines),
            "docs/openapi.json differs from the embedded copy: run scripts/generate-openapi.sh and commit the result")
    }

    @Test func everyRegisteredRouteIsDocumentedWithItsMethodsAndNothingElse() async throws {
        let registered = try await Self.registeredRoutes()
        let documented = Self.operations(try Self.parse(Data(OpenAPIDocument.json.utf8)))
        #expect(registered.count >= 26, "the router has \(registered.keys.sorted())")
        for path in ["/events", "/batch", "/i/v1/analytics/events", "/decide", "/v1/batch", "/v1/alias"] {
            #expect(registered[path]?.contains("options") == true, "\(path) is not served with its CORS preflight: \(registered.keys.sorted())")
        }
        for (path, methods) in registered {
            #expect(documented[path] == methods, "\(path): served with \(methods.sorted()), documented with \(documented[path]?.sorted() ?? [])")
        }
        for path in documented.keys where registered[path] == nil {
            Issue.record("docs/openapi.json documents \(path), which no route serves")
        }
    }

    @Test func aProcessServesOnlyTheRoutesItHas() throws {
        let served = try OpenAPIRoutes.document(served: ["/events": ["post"], "/openapi.json": ["get"]], version: "9.9.9")
        let document = try Self.parse(Data(served))
        #expect(Self.operations(document) == ["/events": ["post"], "/openapi.json": ["get"]])
        #expect((document["info"] as? [String: Any])?["version"] as? String == "9.9.9")
        #expect(document["components"] is [String: Any], "the schemas the kept paths refer to are kept")
    }

    @Test func theDaemonServesTheDocumentWithItsVersionAndItsRoutes() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let daemon = DaemonProcess(arguments: ["serve", "--config", try EmbeddedEndToEndTests.writeConfig(in: dir, sources: Self.allSources)])
        try await daemon.start()
        defer { daemon.kill(SIGKILL) }
        let answer = try await daemon.request("GET", "/openapi.json")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type")?.hasPrefix("application/json") == true)
        let document = try Self.parse(answer.body)
        #expect(document["openapi"] as? String == "3.1.0")
        #expect((document["info"] as? [String: Any])?["version"] as? String == SmolHogVersion.release)
        #expect(Self.operations(document) == (try await Self.registeredRoutes()))
        #expect(await daemon.stop(SIGTERM) == 0, "serve exited non-zero on SIGTERM; log:\n\(daemon.log.suffix(3000))")
    }
}
