// enrich: Event → Event. Owns the per-event edits declared in YAML (properties set, dropped,
// renamed; user agent, URL, client address and location derived; values hashed); runs on the
// ingest path, so what it writes is what gets queued.

public import PipelineKit

/// `- enrich: [ {set: {key: value}}, user_agent, {drop: [key, ...]} ]` in pipeline.yaml.
/// Steps run in order on every event (docs/configuration.md lists them).
public struct EnrichStageKind: StageKind {
    public struct Config: Decodable, Sendable {
        public var steps: [Step]
        public init(steps: [Step]) { self.steps = steps }
        public init(from decoder: any Decoder) throws {
            steps = try [Step](from: decoder)
        }
    }

    public static let name = "enrich"
    public static var defaultConfig: Config? { Config(steps: []) }

    public static func build(_ config: Config, context: BuildContext) async throws -> EnrichStage {
        EnrichStage(steps: config.steps)
    }
}

/// Applies the configured steps to each event.
///
/// Invariant: a step that only reads a few properties and adds others (`user_agent`, `url`,
/// `ip`, `geoip`, `set_default`) leaves properties that came as text as text, adding to it;
/// only a step that replaces or removes properties parses them, once per event.
public struct EnrichStage: Stage {
    let operations: [any EnrichOperation]

    /// The stage running `steps` in order. Consecutive steps that read a few properties and
    /// add others run as one group: one walk over the properties, one write of the additions.
    public init(steps: [EnrichStageKind.Step]) {
        var operations: [any EnrichOperation] = []
        var deriving: [any DerivingOperation] = []
        for operation in steps.map(makeOperation) {
            if let step = operation as? any DerivingOperation {
                deriving.append(step)
                continue
            }
            if !deriving.isEmpty { operations.append(DerivationGroup(deriving)) }
            deriving = []
            operations.append(operation)
        }
        if !deriving.isEmpty { operations.append(DerivationGroup(deriving)) }
        self.operations = operations
    }

    public func process(_ batch: Batch<Event>) async throws -> Batch<Event> {
        guard !operations.isEmpty else { return batch }
        var facts = RequestFacts(batch.context)
        var batch = batch
        batch.updateEach { event in
            for operation in operations { operation.apply(to: &event, facts: &facts) }
        }
        return batch
    }
}
