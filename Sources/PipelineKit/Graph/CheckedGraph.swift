// CheckedGraph: the stage list after compilation (configs decoded, types checked), ready to
// build. Owns the description `check-config` prints and the build step that does I/O.

/// Which path of the graph runs a stage, by its position relative to the queue and persist.
/// `check-config` prints the raw value.
public enum StagePlacement: String, Sendable {
    /// Run by the HTTP server, before the queue.
    case ingest
    /// The queue: publish on the ingest side, consume on the worker side.
    case queue
    /// Run by the worker after consuming.
    case worker
    /// Run by the worker inside the store transaction (after persist).
    case inTransaction = "worker, in store transaction"
}

/// One stage of a checked graph: its kind, decoded config, and where it came from.
public struct CheckedStage: Sendable {
    /// The stage kind's name as written in the `stages` list (`validate`, `persist`); log
    /// metadata and error messages use it.
    public let name: String
    /// The registered kind that decoded the config and builds the stage.
    public let kind: any StageKind.Type
    let config: any Sendable
    /// 0-based position in the `stages` list.
    public let index: Int
    /// 1-based line of the stage's name in the config file; 0 when unknown.
    public let line: Int
    /// 1-based column of the stage's name; 0 when unknown.
    public let column: Int

    /// The decoded config, when this stage is of kind `K`.
    public func config<K: StageKind>(as kind: K.Type) -> K.Config? {
        kind == self.kind ? config as? K.Config : nil
    }

    /// Element type of the batches the stage takes (`Kind.Built.Input`).
    public var inputType: any Any.Type { kind.inputType }
    /// Element type of the batches the stage returns (`Kind.Built.Output`).
    public var outputType: any Any.Type { kind.outputType }
    var isQueue: Bool { kind.builtType is any QueueStage.Type }
    var isStore: Bool { kind.builtType is any StoreStage.Type }
    var runsInTransaction: Bool { kind.builtType is any InTransactionStage.Type }
}

extension [CheckedStage] {
    /// The config of the first stage that names a store driver (`persist`).
    var storeDriver: StoreDriverChoice? { lazy.compactMap { $0.config as? StoreDriverChoice }.first }
}

extension StageKind {
    static var builtType: any Any.Type { Built.self }
}

/// A graph whose configs and types are checked; nothing is connected yet.
public struct CheckedGraph: Sendable {
    /// Path of the config file it was compiled from.
    public let file: String
    /// Directory of the config file; the `BuildContext.baseDirectory` of every stage.
    public let directory: String
    /// `server:`, decoded and range-checked (defaults when absent).
    public let server: ServerSettings
    /// `worker:`, decoded and range-checked (defaults when absent).
    public let worker: WorkerSettings
    /// `sources:` in list order (`native` alone when absent): the wire formats `serve`
    /// answers. Invariant: each name once, no two on one method and path.
    public let sources: [CheckedSource]
    /// The stages in list order. Invariant: exactly one queue, a persist after it, only
    /// in-transaction stages after persist, and each input type the previous output type.
    public let stages: [CheckedStage]

    /// The store driver `persist` names, for `smolhogd migrate`.
    public var storeDriver: StoreDriverChoice? { stages.storeDriver }

    var queueIndex: Int { stages.firstIndex(where: \.isQueue) ?? stages.count }
    var storeIndex: Int { stages.firstIndex(where: \.isStore) ?? stages.count }

    /// Which path runs `stage`: by its index relative to the queue and persist. `stage` must
    /// belong to this graph.
    public func placement(of stage: CheckedStage) -> StagePlacement {
        if stage.index == stages[queueIndex].index { return .queue }
        if stage.index < stages[queueIndex].index { return .ingest }
        return stage.index > stages[storeIndex].index ? .inTransaction : .worker
    }

    /// The graph as `check-config` prints it: one line per stage with its types and path.
    public var summary: String {
        var lines = ["\(file): OK, \(stages.count) stages, \(sources.count) \(sources.count == 1 ? "source" : "sources")"]
        for source in sources {
            for route in source.routes {
                let methods = (route.methods.map(\.rawValue) + ["OPTIONS"]).joined(separator: ",")
                lines.append("  source \(source.name.padding(10)) \(methods.padding(16)) \(route.path)")
            }
        }
        lines.append("  HTTP ingest → RawEvent")
        for stage in stages {
            lines.append(
                "  [\(stage.index)] \(stage.name.padding(10)) \(typeName(stage.inputType)) → \(typeName(stage.outputType))".padding(56)
                    + "  \(placement(of: stage).rawValue) path  (line \(stage.line))")
        }
        lines.append("  ingest path: " + stages[...queueIndex].map(\.name).joined(separator: " → ") + "  (answers 2xx after the queue has the batch)")
        lines.append("  worker path: " + stages[queueIndex...].map(\.name).joined(separator: " → ") + "  (acks after the store commits)")
        lines.append("  server: listen \(server.listen), max body \(server.maxBodyBytes) bytes")
        return lines.joined(separator: "\n")
    }

    /// Builds the stages `context.role` needs (connecting to services), once each.
    public func build(context: BuildContext) async throws -> PipelineRuntime {
        var context = context
        context.storeLimits = storeDriver?.limits ?? .none
        var built: [Int: any Stage] = [:]
        // The store is built in every role: ingest nodes serve the analytics reads from it.
        let indices: [Int]
        switch context.role {
        case .all: indices = Array(stages.indices)
        case .ingest: indices = Array(0...queueIndex) + [storeIndex]
        case .worker: indices = Array(queueIndex..<stages.count)
        }
        for stage in indices.map({ stages[$0] }) {
            var stageContext = context
            stageContext.logger[metadataKey: "stage"] = .string(stage.name)
            stageContext.stageIndex = stage.index
            built[stage.index] = try await buildStage(stage.kind, config: stage.config, context: stageContext)
        }
        guard let queueStage = built[queueIndex] as? any QueueStage else { throw GraphBuildError("queue stage did not build a QueueStage") }
        var ingest: IngestPath?
        var worker: WorkerPath?
        if context.role.runsIngest {
            ingest = IngestPath(stages: try (0...queueIndex).map { try erase(built[$0], at: $0) })
        }
        if context.role.runsWorker {
            guard let store = built[storeIndex] as? any StoreStage else { throw GraphBuildError("persist stage did not build a StoreStage") }
            let before = try (queueIndex + 1..<storeIndex).map { try erase(built[$0], at: $0) }
            let after = try (storeIndex + 1..<stages.count).map { index -> SyncErasedStage in
                guard let stage = built[index] as? any InTransactionStage else { throw GraphBuildError("stage \(index) is not an InTransactionStage") }
                return SyncErasedStage(stage)
            }
            worker = WorkerPath(beforeStore: before, store: store.store, inTransaction: after, limits: context.storeLimits)
        }
        let analytics = (built[storeIndex] as? any AnalyticsSource)?.analytics
        let store = (built[storeIndex] as? any StoreStage)?.store
        let services = built.sorted { $0.key < $1.key }.flatMap { ($0.value as? any StageServices)?.services ?? [] }
        return PipelineRuntime(
            queue: queueStage.queue, store: store, analytics: analytics, ingest: ingest, worker: worker, settings: self.worker, services: services)
    }

    /// Builds every listed source, in list order (done by processes that serve HTTP).
    package func buildSources(context: BuildContext) async throws -> [RunningSource] {
        var built: [RunningSource] = []
        for source in sources {
            var sourceContext = context
            sourceContext.logger[metadataKey: "source"] = .string(source.name)
            built.append(try await source.build(context: sourceContext))
        }
        return built
    }

    private func erase(_ stage: (any Stage)?, at index: Int) throws -> ErasedStage {
        guard let stage else { throw GraphBuildError("stage \(index) was not built") }
        return ErasedStage(stage, name: stages[index].name)
    }
}

private func buildStage<K: StageKind>(_ kind: K.Type, config: any Sendable, context: BuildContext) async throws -> any Stage {
    guard let config = config as? K.Config else { throw GraphBuildError("config of stage '\(K.name)' has the wrong type") }
    return try await K.build(config, context: context)
}

/// An internal inconsistency while building (a checked graph that does not build as checked).
public struct GraphBuildError: Error, Sendable, CustomStringConvertible {
    /// What was inconsistent, naming the stage.
    public var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
