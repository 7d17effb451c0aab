// PersonDelta: the person and group changes of newly inserted events, in event order, as the
// `persons` stage computes them and a `PersonStore` applies them inside the write. Owns what
// a change means; the stores own how they keep it.

/// Person and group changes of one batch of newly inserted events, in store order. A
/// `PersonStore` applies them one after the other inside the write transaction, so a later
/// change sees the earlier ones (an alias, then a `$set` on either id, lands on one person).
public struct PersonDelta: Sendable, Hashable {
    /// One change, with the event time that caused it.
    public enum Change: Sendable, Hashable {
        /// `$set`: the person of `distinctID` (created if new) gets each property, replacing
        /// any value it had.
        case set(distinctID: String, properties: JSONObject, at: Timestamp)
        /// `$set_once`: the person of `distinctID` (created if new) gets each property it does
        /// not have yet; values it has are kept.
        case setOnce(distinctID: String, properties: JSONObject, at: Timestamp)
        /// `$create_alias`, `$identify` with `$anon_distinct_id`, Segment alias: both ids
        /// belong to one person from now on. When each already has its own person, the two
        /// merge (the older absorbs the newer; see `PersonStore`). Neither id is illegal
        /// (`PersonID.isIllegal`) and they differ: the stage never emits such a link.
        case link(distinctID: String, otherID: String, at: Timestamp)
        /// `$groupidentify`, Segment group: the group (created if new) gets each property of
        /// `$group_set`, replacing any value it had.
        case groupSet(type: String, key: String, properties: JSONObject, at: Timestamp)
        /// `properties.$groups` or the group call's user: `distinctID` is a member of the group
        /// (created if new) and the group was seen at `at`.
        case joinGroup(type: String, key: String, distinctID: String, at: Timestamp)
    }

    /// The changes, in the order of the events that caused them.
    public var changes: [Change]

    /// Memberwise; empty by default.
    public init(changes: [Change] = []) { self.changes = changes }

    /// True when there is nothing to apply (a batch without person or group data).
    public var isEmpty: Bool { changes.isEmpty }

    /// Every distinct id a change names, each once, in first-seen order: what a store loads
    /// before it applies the changes.
    public var distinctIDs: [String] {
        var seen = Set<String>()
        var ids: [String] = []
        func note(_ id: String) { if seen.insert(id).inserted { ids.append(id) } }
        for change in changes {
            switch change {
            case .set(let id, _, _), .setOnce(let id, _, _): note(id)
            case .link(let id, let other, _):
                note(id)
                note(other)
            case .groupSet: break
            case .joinGroup(_, _, let id, _): note(id)
            }
        }
        return ids
    }

    /// Every group a change names, each once, in first-seen order.
    public var groups: [GroupKey] {
        var seen = Set<GroupKey>()
        var keys: [GroupKey] = []
        for change in changes {
            switch change {
            case .groupSet(let type, let key, _, _), .joinGroup(let type, let key, _, _):
                let group = GroupKey(type: type, key: key)
                if seen.insert(group).inserted { keys.append(group) }
            default: break
            }
        }
        return keys
    }
}

/// A group's identity: its type (`company`) and its key within the type (`acme`).
public struct GroupKey: Sendable, Hashable, Comparable {
    /// The group type, as `$group_type` or a key of `$groups` names it.
    public var type: String
    /// The group's key within its type.
    public var key: String
    /// Memberwise.
    public init(type: String, key: String) {
        self.type = type
        self.key = key
    }
    /// By type, then key (byte order): the order stores take group rows in.
    public static func < (a: GroupKey, b: GroupKey) -> Bool { (a.type, a.key) < (b.type, b.key) }
}
