// GraphCompiler: PipelineDocument + Plugins → CheckedGraph. Decodes every stage's
// config, runs each kind's check, and type-checks the chain; it collects every
// problem before reporting. Its only I/O is what a config does to check a file it names
// (the geoip step opens its database), so that problem is reported at its line too.

import Foundation
internal import Yams

/// Compiles a document into a checked stage graph, or a `ConfigError` with every problem.
public enum GraphCompiler {
    /// What the HTTP layer hands the first stage.
    public static let entryType: any Any.Type = RawEvent.self

    /// Decodes every stage config (strictly), runs each kind's `check`, and checks the chain's
    /// types and the queue and persist placement. No I/O beyond a config checking a file it names. Throws one `ConfigError` holding every
    /// issue found, the document's own (unset variables) included; returns only when there are none.
    public static func compile(_ document: PipelineDocument, plugins: Plugins) throws(ConfigError) -> CheckedGraph {
        let registry = plugins.stages
        let userInfo: [CodingUserInfoKey: Any] = [
            .driverRegistry: plugins.drivers, .configDirectory: document.directory, .environment: document.environment,
        ]
        var issues: [ConfigIssue] = document.issues
        func issue(_ code: ConfigIssue.Code, _ mark: Place?, _ path: [String], _ message: String) {
            issues.append(ConfigIssue(code: code, file: document.file, line: mark?.line ?? 0, column: mark?.column ?? 0, path: render(path), message: message))
        }
        func record(_ problems: [NodeProblem]) {
            for problem in problems { issue(problem.code, Place(problem.mark), problem.path, problem.message) }
        }

        guard case .mapping(let root) = document.root else {
            issue(.wrongType, Place(document.root.mark), [], "expected a mapping with 'server', 'worker' and 'stages', got \(describe(document.root))")
            throw ConfigError(issues: issues)
        }
        /// Decodes a settings section and reports its problems at their lines.
        func section<Section: SettingsSection>(_ type: Section.Type, _ value: Node, _ name: String) -> Section? {
            switch decodeStrictly(type, from: value, path: [name]) {
            case .success(let decoded):
                for problem in decoded.problems {
                    let node = locate(problem.path, in: value) ?? value
                    issue(.invalidValue, Place(node.mark), [name] + problem.path, problem.message)
                }
                return decoded
            case .failure(let problems):
                record(problems.items)
                return nil
            }
        }
        var server = ServerSettings()
        var worker = WorkerSettings()
        var stageNodes: Node?
        var sourceNodes: Node?
        let topKeys = ["server", "worker", "sources", "stages"]
        for (key, value) in root {
            let name = key.string ?? "?"
            switch name {
            case "server": server = section(ServerSettings.self, value, "server") ?? server
            case "worker": worker = section(WorkerSettings.self, value, "worker") ?? worker
            case "sources": sourceNodes = value
            case "stages": stageNodes = value
            default:
                issue(
                    .unknownField, Place(key.mark), [name],
                    "unknown top-level field '\(name)'\(didYouMean(name, in: topKeys)); expected one of: \(topKeys.joined(separator: ", "))")
            }
        }

        let sources = compileSources(sourceNodes, registry: plugins.sources, issue: issue, record: record)
        var stages: [CheckedStage] = []
        var configNodes: [Int: Node] = [:]
        switch stageNodes {
        case .none:
            issue(
                .missingField, Place(root.mark), ["stages"],
                "required field 'stages' is missing; expected a list of stages (validate, enrich, queue, persist, aggregate)")
        case .some(.sequence(let sequence)):
            for (index, entry) in sequence.enumerated() {
                if let stage = compileEntry(entry, index: index, registry: registry, userInfo: userInfo, issue: issue, record: record) {
                    stages.append(stage)
                    configNodes[index] = entry.stageConfigNode ?? entry
                }
            }
            // Stages whose config must fit the store: checked once every stage (the store's
            // among them, wherever it stands) is decoded.
            let limits = stages.storeDriver?.limits ?? .none
            for stage in stages {
                for problem in checkAgainstStore(stage, limits) {
                    let node = configNodes[stage.index]
                    let target = locate(problem.path, in: node) ?? node
                    issue(.invalidValue, Place(target?.mark), ["stages", "[\(stage.index)]", stage.name] + problem.path, problem.message)
                }
            }
            if sequence.isEmpty {
                issue(.missingQueue, Place(sequence.mark), ["stages"], "the stage list is empty; expected at least validate, queue and persist")
            }
        case .some(let other):
            issue(.wrongType, Place(other.mark), ["stages"], "expected a list of stages, got \(describe(other))")
        }

        // Only a complete list can be type-checked meaningfully.
        if issues.isEmpty {
            checkChain(stages, rootMark: Place(root.mark), issue: issue)
        }
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return CheckedGraph(file: document.file, directory: document.directory, server: server, worker: worker, sources: sources, stages: stages)
    }

    private static func compileEntry(
        _ entry: Node, index: Int, registry: StageRegistry, userInfo: [CodingUserInfoKey: Any],
        issue: (ConfigIssue.Code, Place?, [String], String) -> Void, record: ([NodeProblem]) -> Void
    ) -> CheckedStage? {
        guard let (name, configNode, nameMark) = entry.namedEntry else {
            issue(.wrongType, Place(entry.mark), ["stages", "[\(index)]"], "expected one stage as '- name: {config}', got \(describe(entry))")
            return nil
        }
        let path = ["stages", "[\(index)]", name]
        guard let kind = registry[name] else {
            issue(
                .unknownStage, Place(nameMark), ["stages", "[\(index)]"],
                "unknown stage '\(name)'\(didYouMean(name, in: registry.names)); expected one of: \(registry.names.joined(separator: ", "))")
            return nil
        }
        switch decodeConfig(kind, node: configNode, path: path, userInfo: userInfo) {
        case .success(let (config, problems)):
            for problem in problems {
                let target = problem.path.isEmpty ? (configNode ?? entry) : (locate(problem.path, in: configNode) ?? configNode ?? entry)
                issue(.invalidValue, Place(target.mark), path + problem.path, problem.message)
            }
            return CheckedStage(name: name, kind: kind, config: config, index: index, line: nameMark?.line ?? 0, column: nameMark?.column ?? 0)
        case .failure(let problems):
            if configNode == nil {
                issue(.missingField, Place(nameMark), path, "stage '\(name)' needs a configuration; \(problems.items.first?.message ?? "")")
            } else {
                record(problems.items)
            }
            return nil
        }
    }

    private static func checkAgainstStore(_ stage: CheckedStage, _ limits: StoreLimits) -> [ConfigProblem] {
        guard let kind = stage.kind as? any StoreLimitedStageKind.Type else { return [] }
        return check(kind, stage.config, limits)
    }

    private static func check<K: StoreLimitedStageKind>(_ kind: K.Type, _ config: any Sendable, _ limits: StoreLimits) -> [ConfigProblem] {
        (config as? K.Config).map { K.check($0, against: limits) } ?? []
    }

    /// Opens the kind to decode its config type and run its check.
    private static func decodeConfig<K: StageKind>(
        _ kind: K.Type, node: Node?, path: [String], userInfo: [CodingUserInfoKey: Any]
    ) -> Result<(any Sendable, [ConfigProblem]), NodeProblems> {
        let decoded: Result<K.Config, NodeProblems>
        if let node {
            decoded = decodeStrictly(K.Config.self, from: node, path: path, userInfo: userInfo)
        } else if let defaultConfig = K.defaultConfig {
            decoded = .success(defaultConfig)
        } else {
            decoded = decodeStrictly(K.Config.self, from: .mapping(Node.Mapping([])), path: path, userInfo: userInfo)
        }
        return decoded.map { config in (config, K.check(config)) }
    }

    static func locate(_ path: [String], in node: Node?) -> Node? {
        var current = node
        for key in path {
            switch current {
            case .mapping(let mapping)?: current = mapping.first { $0.key.string == key }?.value
            case .sequence(let sequence)?:
                let digits = key.trimmingCharacters(in: ["[", "]"])
                guard let index = Int(digits), index < sequence.count else { return current }
                current = sequence[index]
            default: return current
            }
        }
        return current
    }

    /// Checks that outputs feed inputs, that there is exactly one queue, a persist after it,
    /// and only in-transaction stages after persist.
    private static func checkChain(_ stages: [CheckedStage], rootMark: Place?, issue: (ConfigIssue.Code, Place?, [String], String) -> Void) {
        func mark(_ stage: CheckedStage) -> Place? { Place(line: stage.line, column: stage.column) }
        func path(_ stage: CheckedStage) -> [String] { ["stages", "[\(stage.index)]", stage.name] }

        var previousOutput: any Any.Type = entryType
        var previousName = "the HTTP ingest layer"
        var afterPersist = false
        for stage in stages {
            // After persist, a stage that takes StoredEvent where the previous one produced
            // RollupDelta starts a branch of its own on the inserted events (`persons` after
            // `aggregate`); the store applies the deltas of every branch.
            let branches =
                afterPersist && ObjectIdentifier(stage.inputType) == ObjectIdentifier(StoredEvent.self)
                && ObjectIdentifier(previousOutput) == ObjectIdentifier(RollupDelta.self)
            if stage.isStore { afterPersist = true }
            if !branches && ObjectIdentifier(stage.inputType) != ObjectIdentifier(previousOutput) {
                issue(
                    .typeMismatch, mark(stage), path(stage),
                    "stage '\(stage.name)' takes \(typeName(stage.inputType)) but \(previousName) produces \(typeName(previousOutput)); expected a stage that takes \(typeName(previousOutput)) here"
                )
            }
            previousOutput = stage.outputType
            previousName = "stage '\(stage.name)'"
        }

        let queues = stages.filter(\.isQueue)
        if queues.isEmpty {
            issue(
                .missingQueue, rootMark, ["stages"],
                "no queue stage; expected exactly one '- queue: {embedded: {...}}' or '- queue: {rabbitmq: {...}}' between the ingest and worker stages")
        }
        for extra in queues.dropFirst() {
            issue(.duplicateQueue, mark(extra), path(extra), "a second queue stage (the first is at line \(queues[0].line)); expected exactly one queue")
        }
        guard let queue = queues.first else { return }
        let afterQueue = stages.filter { $0.index > queue.index }
        guard let persist = afterQueue.first(where: \.isStore) else {
            issue(.missingPersist, mark(queue), path(queue), "no persist stage after the queue; expected '- persist: {...}' so consumed events are stored")
            return
        }
        for stage in stages where stage.isStore && stage.index < queue.index {
            issue(.misplacedStage, mark(stage), path(stage), "persist must come after the queue (events are stored by the worker path)")
        }
        for stage in afterQueue where stage.index > persist.index && !stage.runsInTransaction {
            issue(
                .misplacedStage, mark(stage), path(stage),
                "stage '\(stage.name)' cannot follow persist: stages after persist run inside the store transaction and must be pure (InTransactionStage)")
        }
        if let last = stages.last, last.index > persist.index, ObjectIdentifier(last.outputType) != ObjectIdentifier(RollupDelta.self) {
            issue(
                .typeMismatch, mark(last), path(last),
                "the last stage after persist produces \(typeName(last.outputType)); expected RollupDelta (what the store applies)")
        }
    }
}

func typeName(_ type: any Any.Type) -> String { String(describing: type) }

extension Node {
    /// A list entry `- name` or `- name: {config}`: the name, the config node (nil when
    /// absent or null) and the name's mark; nil for any other shape.
    var namedEntry: (name: String, config: Node?, mark: Mark?)? {
        switch self {
        case .scalar(let scalar): return (scalar.string, nil, mark)
        case .mapping(let mapping) where mapping.count == 1:
            guard let (key, value) = mapping.first else { return nil }
            return (key.string ?? "?", value.isNullScalar ? nil : value, key.mark)
        default: return nil
        }
    }

    /// The config node of a `- name: {config}` entry (nil for `- name`).
    var stageConfigNode: Node? {
        guard case .mapping(let mapping) = self, mapping.count == 1, let value = mapping.first?.value, !value.isNullScalar else { return nil }
        return value
    }
}

/// A line and column in the config file.
struct Place {
    var line: Int
    var column: Int
    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    init?(_ mark: Mark?) {
        guard let mark else { return nil }
        self.init(line: mark.line, column: mark.column)
    }
}
