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
///
/// Invariant: a change is kept by slot, for every slot that names the same key, so reading
/// a value compares no keys and allocates nothing.
struct Derivation {
    let keys: PropertyKeyList
    /// The values as the event had them, by slot.
    let original: [JSONValue?]
    /// For each slot, every slot naming the same key, in order (itself among them).
    let sameKey: [[Int]]
    /// By slot: nil when untouched, `.some(nil)` when removed, `.some(value)` when written.
    private var changes: [JSONValue??]
    /// Whether a key the event has is replaced or removed (then the properties are parsed).
    private var editsExisting = false
    /// Keys no step read, added only where the event has none.
    private var unread: [(key: String, value: JSONValue)] = []
    /// Members rendered once and cached by a step, each with the slots it fills and the keys
    /// no step read (added only when the event surely lacks them).
    private var rendered: [(part: RenderedMembers, unread: [String])] = []

    init(keys: PropertyKeyList, sameKey: [[Int]], original: [JSONValue?]) {
        self.keys = keys
        self.sameKey = sameKey
        self.original = original
        changes = Array(repeating: nil, count: original.count)
    }

    /// The value at `slot` as the steps so far left it.
    func value(_ slot: Int) -> JSONValue? {
        if let change = changes[slot] { return change }
        return original[slot]
    }

    /// Adds `value` at `slot` unless the event (or an earlier step) has one.
    mutating func addIfAbsent(_ slot: Int, _ value: JSONValue) {
        guard self.value(slot) == nil else { return }
        set(slot, value)
    }

    /// Writes `value` at `slot`, replacing what is there.
    mutating func set(_ slot: Int, _ value: JSONValue) {
        for other in sameKey[slot] { changes[other] = .some(value) }
        if original[slot] != nil { editsExisting = true }
    }

    /// Removes the property at `slot`.
    mutating func remove(_ slot: Int) {
        for other in sameKey[slot] { changes[other] = .some(nil) }
        if original[slot] != nil { editsExisting = true }
    }

    /// Adds `part`'s members, rendered once: those at `slots` (which the step saw absent and
    /// no earlier step wrote) and `unread` keys no step read. Later steps see them.
    mutating func add(rendered part: RenderedMembers, slots: some Sequence<Int>, unread: [String] = []) {
        var slot = slots.makeIterator()
        for member in part.members.members where unread.isEmpty || !unread.contains(member.key) {
            guard let next = slot.next() else { break }
            for other in sameKey[next] { changes[other] = .some(member.value) }
            if next < 64 { covered |= 1 << UInt64(next) } else { coveredBeyond.append(next) }
        }
        rendered.append((part, unread))
    }

    /// Slots filled by a rendered part (not written again at the commit): bits for the first
    /// 64, a list for the rest.
    private var covered: UInt64 = 0
    private var coveredBeyond: [Int] = []

    private func isCovered(_ slot: Int) -> Bool {
        slot < 64 ? covered & (1 << UInt64(slot)) != 0 : coveredBeyond.contains(slot)
    }

    /// Adds `key` (which no step read) where the event has none.
    mutating func addIfAbsent(unread key: String, _ value: JSONValue) {
        if !unread.contains(where: { $0.key == key }) { unread.append((key, value)) }
    }

    /// Applies the changes: text properties stay text unless a property is replaced or removed.
    func commit(to event: inout Event) {
        var written: [(key: String, value: JSONValue)] = []
        var removed: [String] = []
        for slot in changes.indices where sameKey[slot][0] == slot && !isCovered(slot) {
            guard let change = changes[slot] else { continue }
            if let value = change { written.append((keys.keys[slot], value)) } else { removed.append(keys.keys[slot]) }
        }
        var unread = unread.isEmpty ? unread : unread.filter { entry in !keys.keys.contains(entry.key) }
        var parts: [RenderedMembers] = []
        for entry in rendered {
            // A part whose unread keys the event may have goes member by member instead.
            if !editsExisting && !entry.unread.contains(where: event.mayHavePropertyKey) {
                parts.append(entry.part)
                continue
            }
            for member in entry.part.members.members {
                if entry.unread.contains(member.key) { unread.append(member) } else { written.append(member) }
            }
        }
        guard !editsExisting else {
            event.updateProperties { properties in
                for key in removed { properties[key] = nil }
                for (key, value) in written { properties[key] = value }
                for (key, value) in unread where properties[key] == nil { properties[key] = value }
            }
            return
        }
        var uncertain = JSONObject()
        for entry in unread {
            if event.mayHavePropertyKey(entry.key) { uncertain[entry.key] = entry.value } else { written.append(entry) }
        }
        if !written.isEmpty { parts.append(RenderedMembers(JSONObject(written))) }
        event.appendProperties(knownAbsent: parts)
        event.addProperties(ifAbsent: uncertain)
    }
}

/// Consecutive deriving steps run as one: one walk reads every key they need.
struct DerivationGroup: EnrichOperation {
    let members: [(operation: any DerivingOperation, base: Int)]
    let keys: PropertyKeyList
    /// For each slot, every slot naming the same key, in order (itself among them).
    let sameKey: [[Int]]

    init(_ operations: [any DerivingOperation]) {
        var members: [(operation: any DerivingOperation, base: Int)] = []
        var all: [String] = []
        for operation in operations {
            members.append((operation, all.count))
            all += operation.reads
        }
        self.members = members
        keys = PropertyKeyList(all)
        sameKey = all.indices.map { slot in all.indices.filter { all[$0] == all[slot] } }
    }

    func apply(to event: inout Event, facts: inout RequestFacts) {
        var derivation = Derivation(keys: keys, sameKey: sameKey, original: event.propertyValues(keys))
        for member in members { member.operation.derive(&derivation, base: member.base, facts: &facts) }
        derivation.commit(to: &event)
    }
}
