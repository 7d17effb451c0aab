import Foundation
import PipelineKit
import Stages
import Testing

/// `sources:`, `server.cors` and `server.trusted_proxies` in pipeline.yaml: checked strictly,
/// each problem at its line and column, before anything runs.
@Suite struct SourceConfigTests {
    static func yaml(sources: String, server: String = "{listen: \"127.0.0.1:0\"}") -> String {
        """
        server: \(server)
        \(sources)
        stages:
          - validate
          - queue: {embedded: {path: q.sqlite}}
          - persist: {sqlite: {path: s.sqlite}}
        """
    }

    @Test func noSourcesListServesNativeAlone() throws {
        let graph = try compile(validYAML)
        #expect(graph.sources.map(\.name) == ["native"])
        #expect(graph.summary.contains("source native     POST,OPTIONS     /events"))
    }

    @Test func listedSourcesAreCompiledWithTheirOptions() throws {
        let graph = try compile(Self.yaml(sources: "sources:\n  - native: {key_header: X-SmolHog-Key}"))
        #expect(graph.sources.map(\.name) == ["native"])
        #expect(graph.sources.first?.config(as: NativeSource.self)?.keyHeader == "X-SmolHog-Key")
        #expect(try compile(Self.yaml(sources: "sources: [native]")).sources.first?.line == 2)
    }

    @Test func anUnknownSourceIsAnErrorAtItsNameWithASuggestion() {
        let found = issues(Self.yaml(sources: "sources:\n  - natve"))
        #expect(found.map(\.code) == [.unknownSource])
        #expect(found.first?.description.hasPrefix("pipeline.yaml:3:5: sources[0]: unknown source 'natve'") == true)
        #expect(found.first?.message.contains("did you mean 'native'") == true)
        #expect(found.first?.message.contains("expected one of: native") == true)
    }

    @Test func anUnknownOptionIsAnErrorAtItsKey() {
        let found = issues(Self.yaml(sources: "sources:\n  - native: {key_heder: X-Key}"))
        #expect(found.map(\.code) == [.unknownField])
        #expect(found.first.map { "\($0.line):\($0.column)" } == "3:14")
        #expect(found.first?.path == "sources[0].native.key_heder")
        #expect(found.first?.message.contains("did you mean 'key_header'") == true)
        let badValue = issues(Self.yaml(sources: "sources:\n  - native: {key_header: \"X Key\"}"))
        #expect(badValue.map(\.code) == [.invalidValue])
        #expect(badValue.first?.path == "sources[0].native.key_header")
    }

    @Test func aSourceListedTwiceAnEmptyListAndAWrongShapeAreErrors() {
        let twice = issues(Self.yaml(sources: "sources: [native, native]"))
        #expect(twice.map(\.code) == [.duplicateSource])
        #expect(twice.first?.message.contains("listed twice (first at line 2)") == true)
        #expect(issues(Self.yaml(sources: "sources: []")).map(\.code) == [.missingField])
        #expect(issues(Self.yaml(sources: "sources: native")).map(\.code) == [.wrongType])
        #expect(issues(Self.yaml(sources: "sources: [{native: {}, other: {}}]")).map(\.code) == [.wrongType])
    }

    @Test func twoSourcesOnOneRouteAreAnError() throws {
        let plugins = try Plugins.builtIn.adding(sources: [EchoSource.self, ShadowSource.self])
        #expect(throws: Never.self) { try compile(Self.yaml(sources: "sources: [native, echo]"), plugins: plugins) }
        do {
            _ = try compile(Self.yaml(sources: "sources: [native, echo, shadow]"), plugins: plugins)
            Issue.record("two sources on POST /events compiled")
        } catch let error as ConfigError {
            #expect(error.issues.map(\.code) == [.duplicateSource])
            #expect(error.issues.first?.message.contains("answers POST /events like source 'native'") == true)
        }
    }

    @Test func trustedProxiesMustBeCIDRRangesAtTheirLine() throws {
        let graph = try compile(Self.yaml(sources: "", server: "{trusted_proxies: [10.0.0.0/8, \"fd00::/8\", 192.0.2.7]}"))
        #expect(graph.server.trustedProxies.networks.map(\.description) == ["10.0.0.0/8", "fd00::/8", "192.0.2.7/32"])
        let found = issues(Self.yaml(sources: "", server: "\n  trusted_proxies:\n    - 10.0.0.0/8\n    - 10.0.0.0/40\n    - proxy.internal"))
        #expect(found.map(\.code) == [.invalidValue, .invalidValue])
        #expect(found.map { "\($0.line):\($0.column) \($0.path)" } == ["4:7 server.trusted_proxies[1]", "5:7 server.trusted_proxies[2]"])
        #expect(found.first?.message.contains("'10.0.0.0/40' is not an address range; expected CIDR notation") == true)
    }

    @Test func corsOriginsAreCheckedAndUnknownKeysRefused() throws {
        let graph = try compile(Self.yaml(sources: "", server: "{cors: {allowed_origins: [\"https://shop.example.com\"]}}"))
        #expect(graph.server.cors.allowOrigin(for: "https://shop.example.com") == ("https://shop.example.com", true))
        #expect(graph.server.cors.allowOrigin(for: "https://evil.example.com") == (nil, true))
        #expect(try compile(validYAML).server.cors.allowOrigin(for: "https://any.example") == ("*", false))
        let bad = issues(Self.yaml(sources: "", server: "{cors: {allowed_origins: [\"shop.example.com\"]}}"))
        #expect(bad.map(\.code) == [.invalidValue])
        #expect(bad.first?.message.contains("expected SCHEME://HOST[:PORT]") == true)
        #expect(issues(Self.yaml(sources: "", server: "{cors: {allow_origins: []}}")).map(\.code) == [.unknownField])
    }
}

/// A source on its own route, for the tests.
struct EchoSource: Source {
    static let name = "echo"
    static let routes = [SourceRoute("/echo", methods: [.get, .post])]
    static func build(_ config: NoSourceOptions, context: BuildContext) async throws -> EchoSource { EchoSource() }
    func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse {
        SourceResponse(status: 200, json: ["status": 1])
    }
}

/// A source that claims native's route.
struct ShadowSource: Source {
    static let name = "shadow"
    static let routes = [SourceRoute("/events/")]
    static func build(_ config: NoSourceOptions, context: BuildContext) async throws -> ShadowSource { ShadowSource() }
    func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse {
        SourceResponse(status: 200, json: [:])
    }
}
