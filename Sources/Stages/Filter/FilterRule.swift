// One rule of a `filter` stage: its name (the metrics label), an optional `when` scope, and
// one action (drop_events, drop_if, keep_if, sample); decoded and checked at config load.

import PipelineKit

/// A rule: which events it drops. Invariant: `name` is non-empty and unique in its stage.
struct FilterRule: Sendable {
    /// What the rule does to the events it applies to.
    enum Action: Sendable {
        /// Drops events with one of these names.
        case dropEvents(Set<String>)
        /// Drops events the condition holds for.
        case dropIf(FilterCondition)
        /// Drops events the condition does not hold for.
        case keepIf(FilterCondition)
        /// Keeps the events of the users `FilterSampling` places below the rate (0 to 1).
        case sample(Double)
    }

    /// The `rule` label of `smolhog_filtered_events_total`; `rule-N` (1-based) by default.
    let name: String
    /// The events the rule applies to; nil: all.
    let when: FilterCondition?
    let action: Action

    /// Whether the rule drops the event.
    func drops(_ view: inout FilterEventView) -> Bool {
        if let when, !when.holds(&view) { return false }
        switch action {
        case .dropEvents(let names): return names.contains(view.event.eventName)
        case .dropIf(let condition): return condition.holds(&view)
        case .keepIf(let condition): return !condition.holds(&view)
        case .sample(let rate): return !FilterSampling.keeps(view.event.userID, rate: rate)
        }
    }
}

extension FilterRule {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, when
        case dropEvents = "drop_events"
        case dropIf = "drop_if"
        case keepIf = "keep_if"
        case sample

        var isAction: Bool { self != .name && self != .when }
    }

    /// The rule at `decoder` (the `index`th of its stage, from 0), or nil after recording why
    /// it is not one.
    static func decode(_ decoder: any Decoder, index: Int, _ decoding: inout FilterDecoding) throws -> FilterRule? {
        let expected = "expected a rule such as {drop_events: [...]}, {drop_if: {...}} or {sample: 0.1}"
        guard let (container, present) = try decoding.mapping(at: decoder, CodingKeys.self, expected: expected) else { return nil }
        let name = try decodeName(present.contains(.name) ? container : nil, index: index, at: decoder, &decoding)
        var when: FilterCondition?
        var complete = name != nil
        if present.contains(.when) {
            when = try FilterCondition.decode(try container.superDecoder(forKey: .when), &decoding)
            complete = complete && when != nil
        }
        let actions = present.filter(\.isAction)
        guard let key = actions.first else {
            // Only unknown keys beside `name`/`when`: the strict decoder names them.
            decoding.problem(at: decoder, "the rule has no action; expected one of: drop_events, drop_if, keep_if, sample")
            return nil
        }
        if actions.count > 1 {
            decoding.problem(
                at: try container.superDecoder(forKey: actions[1]),
                "a rule takes one action, this one has '\(key.stringValue)' and '\(actions[1].stringValue)'; write two rules")
            return nil
        }
        let (value, valueDecoder) = try container.valueAndDecoder(key)
        let action: Action?
        switch key {
        case .dropEvents: action = eventNames(value, valueDecoder, &decoding).map(Action.dropEvents)
        case .dropIf: action = try FilterCondition.decode(valueDecoder, &decoding).map(Action.dropIf)
        case .keepIf: action = try FilterCondition.decode(valueDecoder, &decoding).map(Action.keepIf)
        case .sample: action = rate(value, valueDecoder, &decoding).map(Action.sample)
        case .name, .when: action = nil
        }
        guard complete, let name, let action else { return nil }
        return FilterRule(name: name, when: when, action: action)
    }

    /// The rule's name, `rule-N` by default; a name taken by an earlier rule is a problem.
    private static func decodeName(
        _ container: KeyedDecodingContainer<CodingKeys>?, index: Int, at decoder: any Decoder, _ decoding: inout FilterDecoding
    ) throws -> String? {
        var name = "rule-\(index + 1)"
        var place = decoder
        if let container {
            let (value, nameDecoder) = try container.valueAndDecoder(.name)
            guard let given = value.stringValue, !given.isEmpty else {
                decoding.problem(at: nameDecoder, "expected a non-empty name (the metrics label), got \(value.shown)")
                return nil
            }
            name = given
            place = nameDecoder
        }
        if let earlier = decoding.names[name] {
            let what = container == nil ? "this rule's default name '\(name)'" : "the name '\(name)'"
            decoding.problem(at: place, "\(what) is taken by filter[\(earlier)]; rule names label the metrics and must be unique")
            return nil
        }
        decoding.names[name] = index
        return name
    }

    private static func eventNames(_ value: JSONValue, _ decoder: any Decoder, _ decoding: inout FilterDecoding) -> Set<String>? {
        guard case .array(let items) = value, !items.isEmpty else {
            decoding.problem(at: decoder, "expected a non-empty list of event names, got \(value.shown)")
            return nil
        }
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            guard let name = item.stringValue, !name.isEmpty else {
                decoding.problem(at: decoder, "expected event names, got \(item.shown) at item \(index)\(FilterCondition.quoteHint(item))")
                return nil
            }
            names.insert(name)
        }
        return names
    }

    private static func rate(_ value: JSONValue, _ decoder: any Decoder, _ decoding: inout FilterDecoding) -> Double? {
        guard case .number(let number) = value, number.doubleValue >= 0, number.doubleValue <= 1 else {
            decoding.problem(at: decoder, "expected a rate from 0 to 1 (0.1 keeps the events of 10 % of users), got \(value.shown)")
            return nil
        }
        return number.doubleValue
    }
}
