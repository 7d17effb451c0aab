// Persons and groups on SQLite (migrations/sqlite/015_persons_and_groups.sql): the write,
// inside the events' transaction (load what a delta names, apply it with PersonChanges,
// write the rows back), and the two reads of `PersonStore`. One writer, so no locking.

internal import GRDB
public import PipelineKit

extension SQLiteStore: PersonStore {
    /// Applies `delta` in the open write transaction `db`.
    static func applyPersons(_ delta: PersonDelta, db: Database) throws {
        guard !delta.isEmpty else { return }
        var snapshot = PersonSnapshot()
        let personOfID = try db.cachedStatement(sql: "SELECT person_id FROM person_distinct_ids WHERE distinct_id = ?")
        var persons = Set<Int64>()
        for id in delta.distinctIDs {
            if let person = try Int64.fetchOne(personOfID, arguments: [id]) { persons.insert(person) }
        }
        let idsOfPerson = try db.cachedStatement(sql: "SELECT distinct_id FROM person_distinct_ids WHERE person_id = ?")
        let profile = try db.cachedStatement(sql: "SELECT properties, first_seen, last_seen FROM person_profiles WHERE id = ?")
        for person in persons.sorted() {
            for id in try String.fetchAll(idsOfPerson, arguments: [person]) { snapshot.personOf[id] = person }
            if let row = try Row.fetchOne(profile, arguments: [person]) {
                snapshot.persons[person] = ProfileRow(
                    properties: ProfileRow.properties(row[0]), firstSeen: Timestamp(microseconds: row[1]), lastSeen: Timestamp(microseconds: row[2]))
            }
        }
        let groupRow = try db.cachedStatement(sql: "SELECT properties, first_seen, last_seen FROM group_profiles WHERE group_type = ? AND group_key = ?")
        for group in delta.groups {
            if let row = try Row.fetchOne(groupRow, arguments: [group.type, group.key]) {
                snapshot.groups[group] = ProfileRow(
                    properties: ProfileRow.properties(row[0]), firstSeen: Timestamp(microseconds: row[1]), lastSeen: Timestamp(microseconds: row[2]))
            }
        }
        try write(PersonChanges.apply(delta, to: snapshot), db: db)
    }

    private static func write(_ writes: PersonWrites, db: Database) throws {
        var given: [Int64: Int64] = [:]
        for (id, row) in writes.created {
            try db.execute(
                sql: "INSERT INTO person_profiles (properties, first_seen, last_seen) VALUES (?, ?, ?)",
                arguments: [row.properties.jsonText, row.firstSeen.microseconds, row.lastSeen.microseconds])
            given[id] = db.lastInsertedRowID
        }
        for (id, row) in writes.updated.sorted(by: { $0.key < $1.key }) {
            try db.execute(
                sql: "UPDATE person_profiles SET properties = ?, first_seen = ?, last_seen = ? WHERE id = ?",
                arguments: [row.properties.jsonText, row.firstSeen.microseconds, row.lastSeen.microseconds, id])
        }
        for id in writes.deleted { try db.execute(sql: "DELETE FROM person_profiles WHERE id = ?", arguments: [id]) }
        let map = try db.cachedStatement(
            sql: "INSERT INTO person_distinct_ids (distinct_id, person_id) VALUES (?, ?) ON CONFLICT (distinct_id) DO UPDATE SET person_id = excluded.person_id"
        )
        for (id, person) in writes.resolved(given).sorted(by: { $0.key < $1.key }) { try map.execute(arguments: [id, person]) }
        let group = try db.cachedStatement(
            sql: """
                INSERT INTO group_profiles (group_type, group_key, properties, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (group_type, group_key) DO UPDATE
                SET properties = excluded.properties, first_seen = excluded.first_seen, last_seen = excluded.last_seen
                """)
        for (key, row) in writes.groups.sorted(by: { $0.key < $1.key }) {
            try group.execute(arguments: [key.type, key.key, row.properties.jsonText, row.firstSeen.microseconds, row.lastSeen.microseconds])
        }
        let member = try db.cachedStatement(
            sql: """
                INSERT INTO group_members (group_type, group_key, distinct_id, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (group_type, group_key, distinct_id) DO UPDATE
                SET first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
                """)
        for (key, seen) in writes.members.sorted(by: { $0.key < $1.key }) {
            try member.execute(arguments: [key.group.type, key.group.key, key.distinctID, seen.lowerBound.microseconds, seen.upperBound.microseconds])
        }
    }

    public func person(distinctID: String) async throws -> PersonProfile? {
        try await pool.read { db in
            let person = try Int64.fetchOne(db, sql: "SELECT person_id FROM person_distinct_ids WHERE distinct_id = ?", arguments: [distinctID])
            let ids =
                try person.map {
                    try String.fetchAll(db, sql: "SELECT distinct_id FROM person_distinct_ids WHERE person_id = ? ORDER BY distinct_id", arguments: [$0])
                } ?? [distinctID]
            var first: Int64?
            var last: Int64?
            func widen(_ row: Row?) {
                guard let row, let low: Int64 = row[0], let high: Int64 = row[1] else { return }
                first = min(first ?? low, low)
                last = max(last ?? high, high)
            }
            let seen = try db.cachedStatement(sql: "SELECT first_seen, last_seen FROM persons WHERE user_id = ?")
            for id in ids { widen(try Row.fetchOne(seen, arguments: [id])) }
            var properties: JSONObject = [:]
            if let person,
                let row = try Row.fetchOne(db, sql: "SELECT properties, first_seen, last_seen FROM person_profiles WHERE id = ?", arguments: [person])
            {
                properties = ProfileRow.properties(row[0])
                let low: Int64 = row[1]
                let high: Int64 = row[2]
                first = min(first ?? low, low)
                last = max(last ?? high, high)
            }
            guard person != nil || first != nil else { return nil }
            return PersonProfile(
                personID: person, properties: properties, distinctIDs: ids, firstSeen: first.map(Timestamp.init(microseconds:)),
                lastSeen: last.map(Timestamp.init(microseconds:)))
        }
    }

    public func group(_ group: GroupKey, memberLimit: Int) async throws -> GroupProfile? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT properties, first_seen, last_seen FROM group_profiles WHERE group_type = ? AND group_key = ?",
                    arguments: [group.type, group.key])
            else { return nil }
            let count =
                try Int64.fetchOne(
                    db, sql: "SELECT count(*) FROM group_members WHERE group_type = ? AND group_key = ?", arguments: [group.type, group.key]) ?? 0
            let members = try String.fetchAll(
                db, sql: "SELECT distinct_id FROM group_members WHERE group_type = ? AND group_key = ? ORDER BY distinct_id LIMIT ?",
                arguments: [group.type, group.key, max(0, memberLimit)])
            return GroupProfile(
                group: group, properties: ProfileRow.properties(row[0]), memberCount: count, members: members, firstSeen: Timestamp(microseconds: row[1]),
                lastSeen: Timestamp(microseconds: row[2]))
        }
    }
}
