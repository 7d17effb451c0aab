// PersonChanges: applies a `PersonDelta` to the persons and groups a store loaded for it, in
// memory, and says what to write back. Shared by every store (memory, SQLite, PostgreSQL), so
// the merge rule lives in one place; the stores own loading, id allocation and writing.

import PipelineKit

/// A person's or a group's row: properties, and first/last time of the events that changed
/// the person or named the group.
struct ProfileRow: Sendable, Hashable {
    var properties: JSONObject
    var firstSeen: Timestamp
    var lastSeen: Timestamp

    /// Properties as a store keeps them (JSON text) read back; `{}` for text that is not an
    /// object.
    static func properties(_ text: String) -> JSONObject { (try? JSONParser.parse(text))?.objectValue ?? [:] }
}

/// A member of a group, by distinct id.
struct GroupMember: Sendable, Hashable, Comparable {
    var group: GroupKey
    var distinctID: String
    static func < (a: GroupMember, b: GroupMember) -> Bool { (a.group, a.distinctID) < (b.group, b.distinctID) }
}

/// What a store loaded for a delta: for each of its distinct ids that has a person, that
/// person with every id it has; and the delta's groups that exist.
struct PersonSnapshot: Sendable {
    var personOf: [String: Int64] = [:]
    var persons: [Int64: ProfileRow] = [:]
    var groups: [GroupKey: ProfileRow] = [:]
}

/// What to write back. Person ids below 0 are new persons (-1 first, then -2, …): the store
/// gives them real ids in that order, so a person created earlier keeps a lower id.
struct PersonWrites: Sendable {
    /// New persons, oldest first.
    var created: [(id: Int64, row: ProfileRow)] = []
    /// Stored persons whose row changed.
    var updated: [Int64: ProfileRow] = [:]
    /// Stored persons merged into another.
    var deleted: [Int64] = []
    /// Distinct ids whose person is new or changed.
    var personOf: [String: Int64] = [:]
    /// Groups created or changed (whole rows).
    var groups: [GroupKey: ProfileRow] = [:]
    /// Memberships seen, with the batch's first and last time of each.
    var members: [GroupMember: ClosedRange<Timestamp>] = [:]

    var isEmpty: Bool { created.isEmpty && updated.isEmpty && deleted.isEmpty && personOf.isEmpty && groups.isEmpty && members.isEmpty }

    /// `personOf` with new persons' ids replaced by the ids the store gave them.
    func resolved(_ ids: [Int64: Int64]) -> [String: Int64] { personOf.mapValues { $0 < 0 ? ids[$0] ?? $0 : $0 } }
}

/// The merge rule and the set semantics, applied change by change.
struct PersonChanges {
    private var snapshot: PersonSnapshot
    private var idsOf: [Int64: Set<String>] = [:]
    private var nextNew: Int64 = -1
    private var createdOrder: [Int64] = []
    private var changedPersons = Set<Int64>()
    private var deleted = Set<Int64>()
    private var changedIDs = Set<String>()
    private var changedGroups = Set<GroupKey>()
    private var members: [GroupMember: ClosedRange<Timestamp>] = [:]

    /// What `delta` makes of `snapshot`.
    static func apply(_ delta: PersonDelta, to snapshot: PersonSnapshot) -> PersonWrites {
        var changes = PersonChanges(snapshot: snapshot)
        for (id, person) in snapshot.personOf { changes.idsOf[person, default: []].insert(id) }
        for change in delta.changes { changes.apply(change) }
        return changes.writes
    }

    private init(snapshot: PersonSnapshot) { self.snapshot = snapshot }

    private var writes: PersonWrites {
        var writes = PersonWrites()
        writes.created = createdOrder.compactMap { id in snapshot.persons[id].map { (id, $0) } }
        for id in changedPersons where id > 0 && !deleted.contains(id) { writes.updated[id] = snapshot.persons[id] }
        writes.deleted = deleted.sorted()
        for id in changedIDs { writes.personOf[id] = snapshot.personOf[id] }
        for group in changedGroups { writes.groups[group] = snapshot.groups[group] }
        writes.members = members
        return writes
    }

    private mutating func apply(_ change: PersonDelta.Change) {
        switch change {
        case .set(let id, let properties, let at):
            let person = self.person(of: id, at: at)
            for (key, value) in properties { snapshot.persons[person]?.properties[key] = value }
        case .setOnce(let id, let properties, let at):
            let person = self.person(of: id, at: at)
            for (key, value) in properties where snapshot.persons[person]?.properties[key] == nil {
                snapshot.persons[person]?.properties[key] = value
            }
        case .link(let id, let other, let at):
            link(id, other, at: at)
        case .groupSet(let type, let key, let properties, let at):
            let group = touch(GroupKey(type: type, key: key), at: at)
            for (key, value) in properties { snapshot.groups[group]?.properties[key] = value }
        case .joinGroup(let type, let key, let id, let at):
            let group = touch(GroupKey(type: type, key: key), at: at)
            let member = GroupMember(group: group, distinctID: id)
            members[member] = members[member].map { min($0.lowerBound, at)...max($0.upperBound, at) } ?? at...at
        }
    }

    /// The person of `id`, created when it has none, its first/last seen widened to `at`.
    private mutating func person(of id: String, at: Timestamp) -> Int64 {
        if let person = snapshot.personOf[id] {
            widen(person, at...at)
            return person
        }
        let person = nextNew
        nextNew -= 1
        createdOrder.append(person)
        snapshot.persons[person] = ProfileRow(properties: [:], firstSeen: at, lastSeen: at)
        attach(id, to: person)
        changedPersons.insert(person)
        return person
    }

    private mutating func attach(_ id: String, to person: Int64) {
        snapshot.personOf[id] = person
        idsOf[person, default: []].insert(id)
        changedIDs.insert(id)
    }

    private mutating func widen(_ person: Int64, _ seen: ClosedRange<Timestamp>) {
        guard var row = snapshot.persons[person] else { return }
        row.firstSeen = min(row.firstSeen, seen.lowerBound)
        row.lastSeen = max(row.lastSeen, seen.upperBound)
        snapshot.persons[person] = row
        changedPersons.insert(person)
    }

    /// Stored persons are older than new ones; among stored, the lower id; among new, the
    /// one created first.
    private static func isOlder(_ a: Int64, than b: Int64) -> Bool {
        if (a > 0) != (b > 0) { return a > 0 }
        return a > 0 ? a < b : a > b
    }

    private mutating func link(_ id: String, _ other: String, at: Timestamp) {
        switch (snapshot.personOf[id], snapshot.personOf[other]) {
        case (nil, nil):
            attach(other, to: person(of: id, at: at))
        case (let person?, nil):
            attach(other, to: person)
            widen(person, at...at)
        case (nil, let person?):
            attach(id, to: person)
            widen(person, at...at)
        case (let a?, let b?) where a == b:
            widen(a, at...at)
        case (let a?, let b?):
            let (survivor, absorbed) = Self.isOlder(a, than: b) ? (a, b) : (b, a)
            merge(absorbed, into: survivor)
            widen(survivor, at...at)
        }
    }

    /// The absorbed person's ids move to the survivor; on a key both have, the survivor's
    /// value wins; first/last seen span both.
    private mutating func merge(_ absorbed: Int64, into survivor: Int64) {
        guard let gone = snapshot.persons[absorbed], var kept = snapshot.persons[survivor] else { return }
        var properties = gone.properties
        for (key, value) in kept.properties { properties[key] = value }
        kept.properties = properties
        kept.firstSeen = min(kept.firstSeen, gone.firstSeen)
        kept.lastSeen = max(kept.lastSeen, gone.lastSeen)
        snapshot.persons[survivor] = kept
        changedPersons.insert(survivor)
        for id in idsOf[absorbed] ?? [] { attach(id, to: survivor) }
        idsOf[absorbed] = nil
        snapshot.persons[absorbed] = nil
        if absorbed > 0 { deleted.insert(absorbed) } else { createdOrder.removeAll { $0 == absorbed } }
    }

    private mutating func touch(_ group: GroupKey, at: Timestamp) -> GroupKey {
        if var row = snapshot.groups[group] {
            row.firstSeen = min(row.firstSeen, at)
            row.lastSeen = max(row.lastSeen, at)
            snapshot.groups[group] = row
        } else {
            snapshot.groups[group] = ProfileRow(properties: [:], firstSeen: at, lastSeen: at)
        }
        changedGroups.insert(group)
        return group
    }
}
