// The plan_lookup stage in a pipeline built from YAML, as the team's daemon builds it, on
// SmolHog's in-memory queue and store.

import Foundation
import Logging
import PipelineKit
import PlanLookup
import Stages
import Testing

@Suite struct PlanLookupTests {
    let plugins: Plugins

    init() throws {
        plugins = try Plugins.builtInOrThrow().adding(
            stages: [PlanLookupStageKind.self], queues: [MemoryQueueDriver.self], stores: [MemoryStoreDriver.self])
    }

    func withDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-lookup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("user_id,plan\nu-1,pro\nu-2, team \n\n".utf8).write(to: URL(fileURLWithPath: dir + "/plans.csv"))
        try await body(dir)
    }

    func raw(_ id: String, user: String) -> RawEvent {
        RawEvent(fields: [
            "event_id": .string(id), "event_name": .string("signup"), "user_id": .string(user),
            "timestamp": .string("2024-05-06T07:08:09Z"), "properties": .object(["source": .string("web")]),
        ])
    }

    @Test func addsEachUsersPlanOnTheIngestPathAndTheStoreKeepsIt() async throws {
        try await withDirectory { dir in
            let yaml = """
                stages:
                  - validate
                  - plan_lookup: {csv: plans.csv, default: free}
                  - queue: {memory: {}}
                  - persist: {memory: {}}
                  - aggregate
                """
            let graph = try GraphCompiler.compile(PipelineDocument.parse(yaml, file: dir + "/pipeline.yaml", environment: [:]), plugins: plugins)
            let runtime = try await graph.build(context: BuildContext(baseDirectory: dir, logger: Logger(label: "test"), role: .all))
            let ingest = try #require(runtime.ingest)
            let accepted = try await ingest.run(Batch([raw("e1", user: "u-1"), raw("e2", user: "u-2"), raw("e3", user: "u-3")]))
            #expect(accepted.items.map { $0.properties["plan"] } == [.string("pro"), .string("team"), .string("free")])
            #expect(accepted.items.allSatisfy { $0.properties["source"] == .string("web") }, "other properties stay")
            let worker = try #require(runtime.worker)
            _ = try await worker.store(accepted.items)
            let page = try await #require(runtime.analytics).events(EventQuery(limit: 10, userID: "u-1"))
            #expect(page.rows.map { $0.event.properties["plan"] } == [.string("pro")])
        }
    }

    @Test func checkConfigPointsAtTheLineOfABadConfigAndOfAMisplacedStage() throws {
        let yaml = """
            stages:
              - validate
              - plan_lookup: {csv: "", property: $plan}
              - queue: {memory: {}}
              - persist: {memory: {}}
              - plan_lookup: {csv: plans.csv}
            """
        let error = #expect(throws: ConfigError.self) {
            try GraphCompiler.compile(PipelineDocument.parse(yaml, file: "pipeline.yaml", environment: [:]), plugins: plugins)
        }
        let issues = error?.issues ?? []
        #expect(issues.contains { $0.line == 3 && $0.path.hasSuffix("csv") })
        #expect(issues.contains { $0.line == 3 && $0.path.hasSuffix("property") })
    }

    @Test func aMisplacedStageIsRejectedAtItsLine() throws {
        let yaml = """
            stages:
              - validate
              - queue: {memory: {}}
              - persist: {memory: {}}
              - plan_lookup: {csv: plans.csv}
            """
        let error = #expect(throws: ConfigError.self) {
            try GraphCompiler.compile(PipelineDocument.parse(yaml, file: "pipeline.yaml", environment: [:]), plugins: plugins)
        }
        #expect(Set(error?.issues.map(\.line) ?? []) == [5])
        #expect(error?.issues.contains { $0.code == .misplacedStage } == true)
    }

    @Test func aBadPlansFileNamesItsLine() async throws {
        try await withDirectory { dir in
            try Data("user_id,plan\nu-1,pro,extra\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.csv"))
            let yaml = """
                stages:
                  - validate
                  - plan_lookup: {csv: bad.csv}
                  - queue: {memory: {}}
                  - persist: {memory: {}}
                """
            let graph = try GraphCompiler.compile(PipelineDocument.parse(yaml, file: dir + "/pipeline.yaml", environment: [:]), plugins: plugins)
            let error = await #expect(throws: PlanTableError.self) {
                _ = try await graph.build(context: BuildContext(baseDirectory: dir, logger: Logger(label: "test"), role: .all))
            }
            #expect(error?.description.hasSuffix("bad.csv:2: expected 'user_id,plan', got 'u-1,pro,extra'") == true)
        }
    }
}
