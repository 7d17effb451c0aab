// The in-memory twin's persons and groups: the tables, the write (through the shared
// PersonChanges, as the other stores) and the two reads of `PersonStore`.

public import PipelineKit

/// Persons and groups of a `MemoryStore`, committed with the rest of its tables.
struct PeopleTables: Sendable {
    var personOf: [String: Int64] = [:]
    var persons: [Int64: ProfileRow] = [:]
    var nextPersonID: Int64 = 1
    var groups: [GroupKey: ProfileRow] = [:]
    var members: [GroupMember: ClosedRange<Timestamp>] = [:]

    /// Loads what `delta` names, applies it, writes it back.
    mutating func apply(_ delta: PersonDelta) {
        guard !delta.isEmpty else { return }
        var snapshot = PersonSnapshot()
        let loaded = Set(delta.distinctIDs.compactMap { personOf[$0] })
        for (id, person) in personOf where loaded.contains(person) { snapshot.personOf[id] = person }
        for person in loaded { snapshot.persons[person] = persons[person] }
        for group in delta.groups { snapshot.groups[group] = groups[group] }
        write(PersonChanges.apply(delta, to: snapshot))
    }

    private mutating func write(_ writes: PersonWrites) {
        var given: [Int64: Int64] = [:]
        for (id, row) in writes.created {
            given[id] = nextPersonID
            persons[nextPersonID] = row
            nextPersonID += 1
        }
        for (id, row) in writes.updated { persons[id] = row }
        for id in writes.deleted { persons[id] = nil }
        for (id, person) in writes.resolved(given) { personOf[id] = person }
        for (group, row) in writes.groups { groups[group] = row }
        for (member, seen) in writes.members {
            members[member] = members[member].map { min($0.lowerBound, seen.lowerBound)...max($0.upperBound, seen.upperBound) } ?? seen
        }
    }
}

extension MemoryStore {
    public func person(distinctID: String) async throws -> PersonProfile? {
        state.withLock { state in
            let tables = state.tables
            guard let person = tables.people.personOf[distinctID] else {
                return tables.persons[distinctID].map { seen in
                    PersonProfile(personID: nil, properties: [:], distinctIDs: [distinctID], firstSeen: seen.lowerBound, lastSeen: seen.upperBound)
                }
            }
            let row = tables.people.persons[person]
            let ids = tables.people.personOf.filter { $0.value == person }.keys.sorted()
            let seen = ids.compactMap { tables.persons[$0] } + (row.map { [$0.firstSeen...$0.lastSeen] } ?? [])
            return PersonProfile(
                personID: person, properties: row?.properties ?? [:], distinctIDs: ids, firstSeen: seen.map(\.lowerBound).min(),
                lastSeen: seen.map(\.upperBound).max())
        }
    }

    public func group(_ group: GroupKey, memberLimit: Int) async throws -> GroupProfile? {
        state.withLock { state in
            let people = state.tables.people
            guard let row = people.groups[group] else { return nil }
            let members = people.members.keys.filter { $0.group == group }.map(\.distinctID).sorted()
            return GroupProfile(
                group: group, properties: row.properties, memberCount: Int64(members.count), members: Array(members.prefix(max(0, memberLimit))),
                firstSeen: row.firstSeen, lastSeen: row.lastSeen)
        }
    }
}
