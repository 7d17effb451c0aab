// `plan_lookup`: adds each event's account plan from a CSV file the config names. The kind
// (name, config, check, build) is what the registry lists; the stage is a batch transform.

import Foundation
public import PipelineKit

/// ```yaml
/// - plan_lookup:
///     csv: plans.csv          # user_id,plan per line, with that header; relative to the config file
///     property: plan          # the property to set (default: plan)
///     default: free           # for users not in the file (default: leave the event as it is)
/// ```
public enum PlanLookupStageKind: StageKind {
    public struct Config: Decodable, Sendable {
        public var csv: String
        public var property = "plan"
        public var defaultPlan: String?

        enum CodingKeys: String, CodingKey {
            case csv, property
            case defaultPlan = "default"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            csv = try container.decode(String.self, forKey: .csv)
            property = try container.decodeIfPresent(String.self, forKey: .property) ?? property
            defaultPlan = try container.decodeIfPresent(String.self, forKey: .defaultPlan)
        }
    }

    public static let name = "plan_lookup"

    /// Checks without reading the file: it is read when the daemon builds the stage.
    public static func check(_ config: Config) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        if config.csv.isEmpty { problems.append(ConfigProblem(path: ["csv"], "expected the path of a CSV file with a 'user_id,plan' header")) }
        if config.property.isEmpty || config.property.hasPrefix("$") {
            problems.append(ConfigProblem(path: ["property"], "expected a property name that does not start with '$' (those are the SDKs')"))
        }
        return problems
    }

    public static func build(_ config: Config, context: BuildContext) async throws -> PlanLookupStage {
        let path = context.resolve(path: config.csv)
        let plans = try PlanTable(csvAt: path)
        context.logger.info("Loaded account plans.", metadata: ["path": "\(path)", "users": "\(plans.count)"])
        return PlanLookupStage(plans: plans, property: config.property, defaultPlan: config.defaultPlan)
    }
}

/// Sets `property` on each event from the user's plan. Runs on a batch; reading the table is
/// a dictionary lookup per event, and setting the property parses the event's properties
/// (they arrive as JSON text from the parser or the queue).
public struct PlanLookupStage: Stage {
    let plans: PlanTable
    let property: String
    let defaultPlan: String?

    public func process(_ batch: Batch<Event>) async throws -> Batch<Event> {
        batch.map { event in
            guard let plan = plans[event.userID] ?? defaultPlan else { return event }
            var event = event
            event.properties[property] = .string(plan)
            return event
        }
    }
}
