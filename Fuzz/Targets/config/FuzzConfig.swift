// fuzz-config: any text as pipeline.yaml, through `PipelineDocument.parse` and
// `GraphCompiler.compile` with PipelineKit's own plugins plus two stage kinds whose configs use
// every shape the node decoder reads. The answer is a graph or a `ConfigError`, never a crash
// or a hang (libFuzzer's -timeout and -rss_limit_mb catch those).

import FuzzSupport
import PipelineKit

/// A pass-through stage: the built-in kinds live in Stages, which links SQLite, PostgreSQL
/// and RabbitMQ clients; these two stand in for them with configs of the same shapes.
private struct PassStage: Stage {
    func process(_ batch: Batch<RawEvent>) async throws -> Batch<RawEvent> { batch }
}

private enum CheckKind: StageKind {
    struct Config: Decodable, Sendable {
        enum Mode: String, Decodable, Sendable { case strict, lenient }
        var maxBatch: Int = 1000
        var ratio: Double?
        var enabled: Bool?
        var mode: Mode?
        var required: [String] = []
        var labels: [String: String] = [:]

        enum CodingKeys: String, CodingKey {
            case maxBatch = "max_batch", ratio, enabled, mode, required, labels
        }
    }
    static let name = "check"
    static let defaultConfig: Config? = Config()
    static func check(_ config: Config) -> [ConfigProblem] {
        config.maxBatch < 1 ? [ConfigProblem(path: ["max_batch"], "must be at least 1, got \(config.maxBatch)")] : []
    }
    static func build(_ config: Config, context: BuildContext) async throws -> PassStage { PassStage() }
}

private enum ChainKind: StageKind {
    struct Step: Decodable, Sendable {
        var from: String?
        var drop: [String]?
        var nested: [Step]?
    }
    typealias Config = [Step]
    static let name = "chain"
    static func build(_ config: Config, context: BuildContext) async throws -> PassStage { PassStage() }
}

private let plugins: Plugins = {
    do { return try Plugins().adding(stages: [CheckKind.self, ChainKind.self]) } catch { fatalError("fuzz plugins: \(error)") }
}()

/// Variables `${…}` may name; anything else is an unset variable (a `ConfigError`).
private let environment = ["HOST": "127.0.0.1", "PORT": "8000", "EMPTY": "", "QUEUE": "data/queue"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let text = String(decoding: fuzzInput(start, count), as: UTF8.self)
    do {
        let document = try PipelineDocument.parse(text, file: "fuzz.yaml", environment: environment)
        _ = try GraphCompiler.compile(document, plugins: plugins)
    } catch {
        // Every issue names the file it is in.
        for issue in error.issues { require(issue.file == "fuzz.yaml", "an issue names \(issue.file)") }
    }
    return 0
}
