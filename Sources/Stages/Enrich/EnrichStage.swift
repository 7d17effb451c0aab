// enrich: Event → Event. Owns the per-event property edits declared in YAML (set, drop);
// runs on the ingest path, so what it writes is what gets queued.

public import PipelineKit

/// `- enrich: [ {set: {key: value}}, {drop: [key, ...]} ]` in pipeline.yaml. Steps run in
/// order on every event.
public struct EnrichStageKind: StageKind {
    /// One edit of the properties.
    public enum Step: Decodable, Sendable, Hashable {
        /// Sets these top-level properties, replacing what the event sent.
        case set(JSONObject)
        /// Sets these top-level properties only where the event did not send them.
        case setDefault(JSONObject)
        /// Removes these top-level properties (e.g. `password`).
        case drop([String])

        enum CodingKeys: String, CodingKey, CaseIterable {
            case set
            case setDefault = "set_default"
            case drop
        }

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let values = try container.decodeIfPresent(JSONValue.self, forKey: .set) {
                guard case .object(let object) = values else {
                    throw DecodingError.typeMismatch(
                        JSONObject.self, .init(codingPath: container.codingPath + [CodingKeys.set], debugDescription: "expected a mapping of property: value"))
                }
                self = .set(object)
            } else if let values = try container.decodeIfPresent(JSONValue.self, forKey: .setDefault) {
                guard case .object(let object) = values else {
                    throw DecodingError.typeMismatch(
                        JSONObject.self,
                        .init(codingPath: container.codingPath + [CodingKeys.setDefault], debugDescription: "expected a mapping of property: value"))
                }
                self = .setDefault(object)
            } else if let keys = try container.decodeIfPresent([String].self, forKey: .drop) {
                self = .drop(keys)
            } else {
                let names = CodingKeys.allCases.map(\.rawValue)
                let given = (try? decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)) ?? []
                let what = given.first.map { "unknown enrich step '\($0)'\(didYouMean($0, in: names))" } ?? "empty enrich step"
                throw DecodingError.dataCorrupted(
                    .init(codingPath: container.codingPath, debugDescription: "\(what); expected one of: \(names.joined(separator: ", "))"))
            }
        }
    }

    public struct Config: Decodable, Sendable, Hashable {
        public var steps: [Step]
        public init(steps: [Step]) { self.steps = steps }
        public init(from decoder: any Decoder) throws {
            steps = try [Step](from: decoder)
        }
    }

    public static let name = "enrich"
    public static var defaultConfig: Config? { Config(steps: []) }

    public static func build(_ config: Config, context: BuildContext) async throws -> EnrichStage { EnrichStage(steps: config.steps) }
}

/// Applies the configured steps to each event's properties.
public struct EnrichStage: Stage {
    public let steps: [EnrichStageKind.Step]
    /// When every step is a `drop`: the keys they remove. An event that has none of them
    /// keeps its properties as they came, text included; parsing and writing them back cost
    /// the ingest path about a third of its throughput with the default `drop` step.
    /// Compared as UTF-8 bytes: building and hashing a string per key cost the ingest path
    /// 5 % of its CPU.
    let onlyDrops: [[UInt8]]?

    public init(steps: [EnrichStageKind.Step]) {
        self.steps = steps
        var drops: Set<String>? = []
        for step in steps {
            if case .drop(let keys) = step { drops?.formUnion(keys) } else { drops = nil }
        }
        onlyDrops = drops.map { $0.sorted().map { Array($0.utf8) } }
    }

    public func process(_ batch: Batch<Event>) async throws -> Batch<Event> {
        guard !steps.isEmpty else { return batch }
        return batch.map { event in
            if let onlyDrops, !event.hasPropertyKey(among: onlyDrops) { return event }
            // Properties may arrive as text: parse them once, not on every lookup.
            var properties = event.properties
            for step in steps {
                switch step {
                case .set(let values):
                    for (key, value) in values { properties[key] = value }
                case .setDefault(let values):
                    for (key, value) in values where properties[key] == nil { properties[key] = value }
                case .drop(let keys):
                    for key in keys { properties[key] = nil }
                }
            }
            var event = event
            event.properties = properties
            return event
        }
    }
}
