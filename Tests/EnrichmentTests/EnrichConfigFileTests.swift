// The enrich steps that read files and the environment (geoip, the shipped configs), on
// configs compiled as the daemon compiles them.

import Foundation
import PipelineKit
import Stages
import Testing

@Suite(.timeLimit(.minutes(2))) struct EnrichGeoIPStepTests {
    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func locatesTheClientAddressUnlessTheEventOptsOut() async throws {
        try await withTestDatabase { _, directory in
            let stage = try await enrichStage("- geoip: {database: city.mmdb}\n- ip", directory: directory)
            let context = IngestContext(clientIP: "203.0.113.77")
            let output = try await enrich(
                stage, [try textEvent(#"{"a":1}"#), try textEvent(#"{"$geoip_disable":true}"#), try textEvent(#"{"$ip":"2001:db8:1::9"}"#)], context: context)
            let berlin = output[0].properties
            #expect(berlin["$geoip_country_code"] == "DE")
            #expect(berlin["$geoip_city_name"] == "Berlin")
            #expect(berlin["$geoip_subdivision_1_code"] == "BE")
            #expect(berlin["$geoip_time_zone"] == "Europe/Berlin")
            guard case .number(let latitude) = berlin["$geoip_latitude"] else {
                Issue.record("no latitude in \(berlin)")
                return
            }
            #expect(latitude.doubleValue == 52.5244)
            #expect(berlin["$ip"] == "203.0.113.0")
            #expect(output[1].properties["$geoip_country_code"] == nil)
            #expect(output[2].properties["$geoip_city_name"] == "Tokyo")
        }
    }

    @Test func aMissingOrCorruptDatabaseIsAConfigErrorAtItsLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smolhog-enrich-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = enrichIssues("- user_agent\n- geoip: {database: GeoLite2-City.mmdb}", directory: directory)
        #expect(missing.first?.hasPrefix("5: ") == true)
        #expect(missing.first?.contains("\(directory)/GeoLite2-City.mmdb") == true)
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: directory + "/bad.mmdb"))
        let corrupt = enrichIssues("- geoip: {database: bad.mmdb}", directory: directory)
        #expect(corrupt.first?.contains("not a MaxMind database") == true)
    }
}

@Suite(.timeLimit(.minutes(2))) struct ShippedEnrichmentConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func theShippedPipelineEnrichesWithoutAnyFile() throws {
        let graph = try GraphCompiler.compile(PipelineDocument.load(file: Self.root + "/pipeline.yaml", environment: [:]), plugins: .builtIn)
        let steps = try #require(graph.stages.lazy.compactMap { $0.config(as: EnrichStageKind.self) }.first).steps
        #expect(steps.map(\.name) == ["drop", "ip"])
    }

    @Test(.enabled(if: GeoIPFixture.enabled, GeoIPFixture.skipReason))
    func theDeployExampleWithGeoIPHashingAndFilteringChecks() async throws {
        try await withTestDatabase { database, _ in
            let environment = [
                "SMOLHOG_GEOIP_DATABASE": database, "SMOLHOG_HASH_SECRET": "a-long-enough-secret", "SMOLHOG_RABBITMQ_URL": "amqp://u:p@mq:5672/",
                "SMOLHOG_POSTGRES_URL": "postgres://u:p@db:5432/smolhog",
            ]
            let graph = try GraphCompiler.compile(
                PipelineDocument.load(file: Self.root + "/deploy/pipeline-enrichment.yaml", environment: environment), plugins: .builtIn)
            #expect(graph.stages.map(\.name).prefix(3) == ["validate", "filter", "enrich"])
            #expect(!graph.summary.contains("a-long-enough-secret"))
        }
    }
}
