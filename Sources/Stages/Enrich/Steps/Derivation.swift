// Derivation: one pass of the steps that read a few properties and add others (user_agent,
// url, ip, geoip, set_default) over an event. Consecutive such steps share one walk over the
// properties' text and one write of what they add, instead of a walk and a copy each.

import PipelineKit

/// A step that reads some top-level properties and adds, replaces or removes a few.
protocol DerivingOperation: EnrichOperation {
    /// The top-level keys it reads (its outputs among them, to see what the event has), in
    /// the slot order `derive` addresses them by.
    var reads: [String] { get }
    /// Works out this step's changes; its slots start at `base` in `derivation`.
    func derive(_ derivation: inout Derivation, base: Int, facts: inout RequestFacts)
}

extension DerivingOperation {
    /// A step alone: a group of one.
    func apply(to event: inout Event, facts: inout RequestFacts) {
        DerivationGroup([self]).apply(to: &event, facts: &facts)
    }
}

/// The properties a group of deriving steps read, and the changes they make, applied once.
/// A step sees the changes of the steps before it in the group (YAML order holds).
struct Derivation {
    let keys: PropertyKeyList
    /// The values as the event had them, by slot.
    let original: [JSONValue?]
    /// Keys the event did not have (every one of them was read, and was absent).
    private(set) var added = JSONObject()
    /// Keys the event had, with new values.
    private(set) var replaced = JSONObject()
    /// Keys the event had, to remove (few: a list, not a set, so a lookup hashes nothing).
    private(set) var removed: [String] = []
    /// Keys no step read: added only where the event has none.
    private(set) var unchecked = JSONObject()

    init(keys: PropertyKeyList, original: [JSONValue?]) {
        self.keys = keys
        self.original = original
    }

    /// The value at `slot` as the steps so far left it.
    func value(_ slot: Int) -> JSONValue? {
        // Most lookups come before any change: no key comparison at all.
        if added.isEmpty && replaced.isEmpty && removed.isEmpty { return original[slot] }
        let key = keys.keys[slot]
        if let value = replaced[key] ?? added[key] { return value }
        return removed.contains(key) ? nil : original[slot]
    }

    /// Adds `value` at `slot` unless the event (or an earlier step) has one.
    mutating func addIfAbsent(_ slot: Int, _ value: JSONValue) {
        guard self.value(slot) == nil else { return }
        set(slot, value)
    }

    /// Writes `value` at `slot`, replacing what is there.
    mutating func set(_ slot: Int, _ value: JSONValue) {
        let key = keys.keys[slot]
        if original[slot] == nil {
            added[key] = value
        } else {
            removed.removeAll { $0 == key }
            replaced[key] = value
        }
    }

    /// Removes the property at `slot`.
    mutating func remove(_ slot: Int) {
        let key = keys.keys[slot]
        added[key] = nil
        replaced[key] = nil
        if original[slot] != nil && !removed.contains(key) { removed.append(key) }
    }

    /// Adds `key` (which no step read) where the event has none.
    mutating func addIfAbsent(unread key: String, _ value: JSONValue) {
        if unchecked[key] == nil { unchecked[key] = value }
    }

    /// Applies the changes: text properties stay text unless a property is replaced or removed.
    func commit(to event: inout Event) {
        if !replaced.isEmpty || !removed.isEmpty {
            event.updateProperties { properties in
                for key in removed { properties[key] = nil }
                for (key, value) in replaced { properties[key] = value }
                for (key, value) in added where properties[key] == nil { properties[key] = value }
                for (key, value) in unchecked where properties[key] == nil { properties[key] = value }
            }
            return
        }
        var known = added
        var uncertain = JSONObject()
        for (key, value) in unchecked where known[key] == nil && !keys.keys.contains(key) {
            if event.mayHavePropertyKey(key) { uncertain[key] = value } else { known[key] = value }
        }
        event.appendProperties(knownAbsent: known)
        event.addProperties(ifAbsent: uncertain)
    }
}

/// Consecutive deriving steps run as one: one walk reads every key they need.
struct DerivationGroup: EnrichOperation {
    let members: [(operation: any DerivingOperation, base: Int)]
    let keys: PropertyKeyList

    init(_ operations: [any DerivingOperation]) {
        var members: [(operation: any DerivingOperation, base: Int)] = []
        var all: [String] = []
        for operation in operations {
            members.append((operation, all.count))
            all += operation.reads
        }
        self.members = members
        keys = PropertyKeyList(all)
    }

    func apply(to event: inout Event, facts: inout RequestFacts) {
        var derivation = Derivation(keys: keys, original: event.propertyValues(keys))
        for member in members { member.operation.derive(&derivation, base: member.base, facts: &facts) }
        derivation.commit(to: &event)
    }
}
