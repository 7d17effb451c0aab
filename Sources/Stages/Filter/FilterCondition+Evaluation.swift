// Evaluating `filter` conditions on one event: fields are read from the event, properties
// through a view that reads the few top-level properties the rules need, once, on demand.

import PipelineKit

/// One event as the rules see it. The properties the conditions read are fetched together,
/// at the first condition that needs one (`Event.propertyValues(_:)`: one walk over the
/// text, no tree), so an event that a name rule drops, or rules that read no property, never
/// touch the properties.
struct FilterEventView {
    let event: Event
    /// The stage's `propertyKeys`: the top-level keys any condition reads, by slot.
    let keys: PropertyKeyList
    private var values: [JSONValue?]?

    init(_ event: Event, keys: PropertyKeyList) {
        self.event = event
        self.keys = keys
    }

    /// The value at `path`; nil when a key is missing or a step is not an object.
    mutating func value(at path: FilterPropertyPath) -> JSONValue? {
        let top: [JSONValue?]
        if let values {
            top = values
        } else {
            top = event.propertyValues(keys)
            values = top
        }
        guard path.slot < top.count, var value = top[path.slot] else { return nil }
        for key in path.rest {
            guard case .object(let object) = value, let next = object[key] else { return nil }
            value = next
        }
        return value
    }

    /// The field's value; nil for an event without a session id.
    func value(of field: FilterField) -> String? {
        switch field {
        case .eventName: event.eventName
        case .userID: event.userID
        case .sessionID: event.sessionID
        case .eventID: event.eventID
        }
    }
}

extension FilterCondition {
    /// Whether the condition holds for the event; `all` and `any` stop at the first answer.
    func holds(_ view: inout FilterEventView) -> Bool {
        switch self {
        case .all(let conditions):
            for condition in conditions where !condition.holds(&view) { return false }
            return true
        case .any(let conditions):
            for condition in conditions where condition.holds(&view) { return true }
            return false
        case .not(let condition):
            return !condition.holds(&view)
        case .test(.field(let field), let test):
            // Fields are strings: only equals, in, regex and exists reach here.
            return test.holds(view.value(of: field).map(JSONValue.string))
        case .test(.property(let path), let test):
            return test.holds(view.value(at: path))
        }
    }
}

extension FilterTest {
    /// Whether the test holds for `value` (nil: missing).
    func holds(_ value: JSONValue?) -> Bool {
        switch self {
        case .exists(let present):
            return (value != nil && value != .null) == present
        case .equals(let expected):
            return value.flatMap(FilterScalar.init) == expected
        case .oneOf(let set):
            return value.map(set.contains) ?? false
        case .matches(let regex):
            guard case .string(let text)? = value else { return false }
            return regex.matches(text)
        case .range(let lower, let upper):
            guard case .number(let number)? = value else { return false }
            let value = number.doubleValue
            if let lower, lower.inclusive ? value < lower.value : value <= lower.value { return false }
            if let upper, upper.inclusive ? value > upper.value : value >= upper.value { return false }
            return true
        }
    }
}
