// The running `filter` stage: each event goes through the rules in order until one drops it;
// dropped events are counted in the batch (`Batch.filtered`) and per rule in /metrics.

import Metrics
public import PipelineKit

/// Drops the events a rule matches (`FilterStageKind`). Pure and stateless per call: safe to
/// run from many requests at once. The first rule that drops an event counts it; later
/// rules do not see it.
public struct FilterStage: Stage {
    let rules: [FilterRule]
    /// The top-level property keys the conditions read; empty when every rule looks only at
    /// event names and fields, and then no event's properties are read.
    let propertyKeys: [String]
    /// `propertyKeys` prepared once for `Event.propertyValues(_:)`.
    let keyList: PropertyKeyList
    /// `smolhog_filtered_events_total{stage, rule}`, one per rule, made once at build.
    let counters: [Counter]

    init(rules: [FilterRule], propertyKeys: [String], stageLabel: String) {
        self.rules = rules
        self.propertyKeys = propertyKeys
        keyList = PropertyKeyList(propertyKeys)
        counters = rules.map { Counter(label: "smolhog_filtered_events_total", dimensions: [("stage", stageLabel), ("rule", $0.name)]) }
    }

    /// Keeps the events no rule drops, in order; the others are added to `filtered` (neither
    /// accepted nor rejected) and counted per rule.
    public func process(_ batch: Batch<Event>) async throws -> Batch<Event> {
        let (kept, dropped) = filter(batch)
        for index in dropped.indices where dropped[index] > 0 { counters[index].increment(by: dropped[index]) }
        return kept
    }

    /// The batch without the events a rule drops, and how many each rule dropped.
    func filter(_ batch: Batch<Event>) -> (kept: Batch<Event>, droppedByRule: [Int]) {
        var dropped = [Int](repeating: 0, count: rules.count)
        let kept = batch.keeping { event in
            var view = FilterEventView(event, keys: keyList)
            for index in rules.indices where rules[index].drops(&view) {
                dropped[index] += 1
                return false
            }
            return true
        }
        return (kept, dropped)
    }
}
