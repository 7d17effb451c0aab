// filter: the stage kind's YAML name and config (a list of rules, every mistake reported at
// its line when the config loads), and the build of the running stage with its counters.

import Metrics
public import PipelineKit

/// `- filter: [rule, ...]` in pipeline.yaml (docs/configuration.md#filter): drops events by
/// name, by condition, or by sampling users. `Event → Event`, so it stands on the ingest path
/// (before `queue`) or on the worker path (between `queue` and `persist`).
public enum FilterStageKind: StageKind {
    /// The rules, in order, as decoded and checked from the YAML list.
    public struct Config: Decodable, Sendable {
        let rules: [FilterRule]
        /// The top-level property keys the conditions read, by slot.
        let propertyKeys: [String]
        /// Every mistake found while decoding, each at its node; `check` reports them.
        let problems: [ConfigProblem]

        /// Decodes the list of rules. Mistakes in rules are recorded, not thrown, so that every
        /// one is reported; a value that is not a list throws.
        public init(from decoder: any Decoder) throws {
            let whole = try JSONValue(from: decoder)
            guard case .array(let items) = whole else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "expected a list of rules (- drop_events: [...], - drop_if: {...}, - sample: 0.1), got \(whole.shown)"))
            }
            var decoding = FilterDecoding()
            if items.isEmpty { decoding.problem(at: decoder, "expected at least one rule; a filter without rules keeps every event") }
            var list = try decoder.unkeyedContainer()
            var rules: [FilterRule] = []
            var index = 0
            while !list.isAtEnd {
                if let rule = try FilterRule.decode(try list.superDecoder(), index: index, &decoding) { rules.append(rule) }
                index += 1
            }
            self.rules = rules
            propertyKeys = decoding.propertyKeys
            problems = decoding.problems
        }
    }

    /// `filter`.
    public static let name = "filter"

    /// What decoding found: a bad regex, an unknown field, a rate out of range, an empty rule…
    public static func check(_ config: Config) -> [ConfigProblem] { config.problems }

    /// Builds the stage and its per-rule counters; no I/O. The `stage` label is
    /// `stages[N]` (the stage's place in the list), so two filters count apart.
    public static func build(_ config: Config, context: BuildContext) async throws -> FilterStage {
        if let problem = config.problems.first {
            throw FilterConfigError(description: "filter config has problems: \(problem.message)")
        }
        return FilterStage(rules: config.rules, propertyKeys: config.propertyKeys, stageLabel: context.stageIndex.map { "stages[\($0)]" } ?? name)
    }
}

/// A `filter` config built without passing `check` (only a caller that skips the compiler can).
struct FilterConfigError: Error, CustomStringConvertible {
    let description: String
}
