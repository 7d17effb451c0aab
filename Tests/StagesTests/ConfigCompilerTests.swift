import Foundation
import PipelineKit
import Stages
import Testing

let validYAML = """
    server: {listen: "127.0.0.1:0"}
    stages:
      - validate: {max_batch: 10}
      - enrich:
          - set: {source: test}
      - queue: {embedded: {path: q.sqlite}}
      - persist: {sqlite: {path: s.sqlite}}
      - aggregate
    """

@Suite struct ConfigCompilerTests {
    @Test func compilesTheDefaultShapeAndSplitsAtTheQueue() throws {
        let graph = try compile(validYAML)
        #expect(graph.stages.map(\.name) == ["validate", "enrich", "queue", "persist", "aggregate"])
        #expect(graph.stages.map { graph.placement(of: $0) } == [.ingest, .ingest, .queue, .worker, .inTransaction])
        #expect(graph.summary.contains("ingest path: validate → enrich → queue"))
        #expect(graph.summary.contains("worker path: queue → persist → aggregate"))
    }

    @Test func theShippedPipelineYAMLCompiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try PipelineDocument.load(file: root.appendingPathComponent("pipeline.yaml").path)
        _ = try GraphCompiler.compile(document, plugins: .builtIn)
    }

    @Test func unknownStageNamesLineColumnAndSuggestion() {
        let found = issues(validYAML.replacingOccurrences(of: "- enrich:", with: "- enrch:"))
        #expect(found.count == 1)
        #expect(found.first?.code == .unknownStage)
        #expect(found.first.map { "\($0.line):\($0.column)" } == "4:5")
        #expect(found.first?.message.contains("did you mean 'enrich'") == true)
        #expect(found.first?.description.hasPrefix("pipeline.yaml:4:5: stages[1]") == true)
    }

    @Test func wrongFieldTypeNamesTheFieldAndExpectation() {
        let found = issues(validYAML.replacingOccurrences(of: "max_batch: 10", with: "max_batch: ten"))
        #expect(found.map(\.code) == [.wrongType])
        #expect(found.first.map { "\($0.line):\($0.column)" } == "3:27")
        #expect(found.first?.path == "stages[0].validate.max_batch")
        #expect(found.first?.message == "expected an integer, got 'ten'")
    }

    @Test func unknownFieldIsAnErrorWithASuggestion() {
        let found = issues(validYAML.replacingOccurrences(of: "max_batch: 10", with: "max_bacth: 10"))
        #expect(found.map(\.code) == [.unknownField])
        #expect(found.first.map { "\($0.line):\($0.column)" } == "3:16")
        #expect(found.first?.message.contains("did you mean 'max_batch'") == true)
    }

    @Test func stageTypeMismatchIsCaughtBeforeAnythingRuns() {
        // aggregate takes StoredEvent; placed before the queue it gets an Event.
        let yaml = validYAML.replacingOccurrences(of: "  - enrich:\n      - set: {source: test}\n", with: "  - aggregate\n")
        let found = issues(yaml)
        #expect(found.contains { $0.code == .typeMismatch && $0.line == 4 && $0.message.contains("takes StoredEvent but stage 'validate' produces Event") })
    }

    @Test func missingQueueIsReported() {
        let found = issues(validYAML.replacingOccurrences(of: "  - queue: {embedded: {path: q.sqlite}}\n", with: ""))
        #expect(found.contains { $0.code == .missingQueue })
    }

    @Test func twoQueuesAreReportedAtTheSecond() {
        let yaml = validYAML.replacingOccurrences(of: "  - persist:", with: "  - queue: {embedded: {}}\n  - persist:")
        let found = issues(yaml)
        #expect(found.contains { $0.code == .duplicateQueue && $0.line == 7 && $0.message.contains("first is at line 6") })
    }

    @Test func missingFileSaysSo() {
        #expect {
            _ = try PipelineDocument.load(file: "/nonexistent/pipeline.yaml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.issues.first?.code == .fileUnreadable && error.description.contains("/nonexistent/pipeline.yaml: config file does not exist")
        }
    }

    @Test func unsetVariableIsAnErrorAtItsScalarAndSetOnesAreSubstituted() throws {
        let yaml = validYAML.replacingOccurrences(of: "path: q.sqlite", with: "path: \"${QUEUE_DIR}/q.sqlite\"")
        let found = issues(yaml)
        #expect(found.map(\.code) == [.unsetVariable])
        #expect(found.first.map { "\($0.line):\($0.column)" } == "6:30")
        #expect(found.first?.message.contains("'QUEUE_DIR' is not set") == true)
        #expect(issues(yaml, environment: ["QUEUE_DIR": "/tmp"]).isEmpty)
    }

    @Test func everyProblemIsReportedAtOnce() {
        let yaml = """
            server: {listn: "x"}
            stages:
              - validat: {}
              - validate: {max_batch: -1}
              - queue: {embedded: {path: "${NOPE}"}}
              - persist: {sqlite: {}}
            """
        let codes = Set(issues(yaml).map(\.code))
        #expect(codes == [.unknownField, .unknownStage, .invalidValue, .unsetVariable])
    }

    @Test func sqliteCacheSizeIsReadAndChecked() throws {
        _ = try compile(validYAML.replacingOccurrences(of: "{sqlite: {path: s.sqlite}}", with: "{sqlite: {path: s.sqlite, cache_mb: 256}}"))
        let found = issues(validYAML.replacingOccurrences(of: "{sqlite: {path: s.sqlite}}", with: "{sqlite: {path: s.sqlite, cache_mb: 0}}"))
        #expect(found.count == 1)
        #expect(found.first?.code == .invalidValue)
        #expect(found.first?.message.contains("is 0; expected 1...65536 MiB") == true)
        #expect("\(found.first.map { String(describing: $0) } ?? "")".contains("persist.sqlite.cache_mb"))
        #expect(found.first?.line == 7)
    }

    @Test func workerSettingsAreReadAndCheckedAtTheirLines() throws {
        let graph = try compile(validYAML.replacingOccurrences(of: "stages:", with: "worker: {release_memory_after_idle_s: 0}\nstages:"))
        #expect(graph.worker.releaseMemoryAfterIdleSeconds == 0)
        #expect(WorkerSettings().releaseMemoryAfterIdleSeconds == 10)
        let found = issues(
            validYAML.replacingOccurrences(
                of: "stages:", with: "worker:\n  prefetch: 0\n  backoff_ms: 500\n  max_backoff_ms: 100\n  release_memory_after_idle_s: -1\nstages:"))
        #expect(found.map(\.line) == [3, 5, 6])
        #expect(found.allSatisfy { $0.code == .invalidValue })
        #expect(found.first?.message == "must be at least 1, got 0")
        #expect(found.map(\.path) == ["worker.prefetch", "worker.max_backoff_ms", "worker.release_memory_after_idle_s"])
    }

    @Test func yamlSyntaxErrorHasALine() {
        let found = issues("stages:\n  - validate: {max_batch: 1\n  - queue")
        #expect(found.first?.code == .yamlSyntax)
        #expect((found.first?.line ?? 0) > 0)
    }

    @Test func stagesAfterPersistMustRunInTheTransaction() {
        let found = issues(validYAML.replacingOccurrences(of: "  - aggregate", with: "  - aggregate\n  - validate"))
        // validate (line 9) is not an in-transaction stage: misplaced, whatever its types.
        #expect(found.contains { $0.code == .misplacedStage && $0.line == 9 && $0.message.contains("cannot follow persist") }, "\(found)")
        // Its types do not fit either: RawEvent after aggregate's RollupDelta, and the chain then ends on Event.
        #expect(found.contains { $0.code == .typeMismatch && $0.line == 9 && $0.message.contains("takes RawEvent") }, "\(found)")
        #expect(Set(found.map(\.code)) == [.misplacedStage, .typeMismatch], "\(found)")
    }

    @Test func registryRejectsDuplicateNames() {
        #expect(throws: RegistryError.self) { try StageRegistry([ValidateStageKind.self, ValidateStageKind.self]) }
        #expect((try? StageRegistry(StageRegistry.builtInKinds)) != nil)
    }
}
