// Persons and groups on PostgreSQL (migrations/011_persons_and_groups.sql): the write, inside
// the events' transaction after the rollups (one advisory lock, then load what the deltas
// name, apply them with PersonChanges, write the rows back with set-based statements). The
// reads of `PersonStore` are in PostgresStore+PersonReads.swift.

public import PipelineKit
internal import PostgresNIO

extension PostgresStore: PersonStore {
    /// Key of the transaction-level advisory lock that writers of person and group rows hold
    /// ("SmolHogP"). A merge moves ids that the batch did not name, so row locks on the
    /// batch's ids would not cover it; one lock serializes person changes across workers. It
    /// is taken last in the transaction (after every rollup row), so it never joins a lock
    /// cycle, and only by transactions whose events carry person or group data.
    static let personsLockKey: Int64 = 0x536D_6F6C_486F_6750

    /// Applies the deltas' person changes in the open write transaction.
    static func applyPersons(_ deltas: [RollupDelta], on connection: PostgresConnection, logger: Logger) async throws {
        let delta = PersonDelta(changes: deltas.flatMap(\.persons.changes))
        guard !delta.isEmpty else { return }
        try await connection.query("SELECT pg_advisory_xact_lock(\(personsLockKey))", logger: logger)
        var snapshot = PersonSnapshot()
        var binds = PostgresBindings(capacity: 1)
        binds.append(delta.distinctIDs)
        let mapped = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT distinct_id, person_id FROM person_distinct_ids
                    WHERE person_id IN (SELECT person_id FROM person_distinct_ids WHERE distinct_id = ANY($1::text[]))
                    """, binds: binds), logger: logger)
        for try await (id, person) in mapped.decode((String, Int64).self) { snapshot.personOf[id] = person }
        let persons = Array(Set(snapshot.personOf.values))
        if !persons.isEmpty {
            var binds = PostgresBindings(capacity: 1)
            binds.append(persons)
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT id, properties::text, \(microseconds("first_seen")), \(microseconds("last_seen")) FROM person_profiles WHERE id = ANY($1::int8[])",
                    binds: binds), logger: logger)
            for try await (id, properties, first, last) in rows.decode((Int64, String, Int64, Int64).self) {
                snapshot.persons[id] = ProfileRow(
                    properties: ProfileRow.properties(properties), firstSeen: Timestamp(microseconds: first), lastSeen: Timestamp(microseconds: last))
            }
        }
        let groups = delta.groups
        if !groups.isEmpty {
            var binds = PostgresBindings(capacity: 2)
            binds.append(groups.map(\.type))
            binds.append(groups.map(\.key))
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT g.group_type, g.group_key, g.properties::text, \(microseconds("g.first_seen")), \(microseconds("g.last_seen"))
                        FROM group_profiles g JOIN unnest($1::text[], $2::text[]) AS k (group_type, group_key) USING (group_type, group_key)
                        """, binds: binds), logger: logger)
            for try await (type, key, properties, first, last) in rows.decode((String, String, String, Int64, Int64).self) {
                snapshot.groups[GroupKey(type: type, key: key)] = ProfileRow(
                    properties: ProfileRow.properties(properties), firstSeen: Timestamp(microseconds: first), lastSeen: Timestamp(microseconds: last))
            }
        }
        try await write(PersonChanges.apply(delta, to: snapshot), on: connection, logger: logger)
    }

    private static func write(_ writes: PersonWrites, on connection: PostgresConnection, logger: Logger) async throws {
        var given: [Int64: Int64] = [:]
        if !writes.created.isEmpty {
            // Ids in creation order, so a person created earlier keeps the lower id.
            let rows = try await connection.query(
                "SELECT nextval(pg_get_serial_sequence('person_profiles', 'id')) FROM generate_series(1, \(writes.created.count)) ORDER BY 1",
                logger: logger)
            var ids: [Int64] = []
            for try await id in rows.decode(Int64.self) { ids.append(id) }
            for (created, id) in zip(writes.created, ids) { given[created.id] = id }
        }
        let profiles = writes.created.compactMap { created in given[created.id].map { ($0, created.row) } } + writes.updated.sorted { $0.key < $1.key }
        if !profiles.isEmpty {
            var binds = PostgresBindings(capacity: 4)
            binds.append(profiles.map(\.0))
            binds.append(profiles.map(\.1.properties.jsonText))
            binds.append(profiles.map(\.1.firstSeen.microseconds))
            binds.append(profiles.map(\.1.lastSeen.microseconds))
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO person_profiles AS p (id, properties, first_seen, last_seen)
                        SELECT u.id, u.properties::jsonb, \(timestamp("u.first_seen")), \(timestamp("u.last_seen"))
                        FROM unnest($1::int8[], $2::text[], $3::int8[], $4::int8[]) AS u (id, properties, first_seen, last_seen) ORDER BY u.id
                        ON CONFLICT (id) DO UPDATE SET properties = excluded.properties, first_seen = excluded.first_seen, last_seen = excluded.last_seen
                        """, binds: binds), logger: logger)
        }
        if !writes.deleted.isEmpty {
            var binds = PostgresBindings(capacity: 1)
            binds.append(writes.deleted)
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM person_profiles WHERE id = ANY($1::int8[])", binds: binds), logger: logger)
        }
        let mapping = writes.resolved(given).sorted { $0.key < $1.key }
        if !mapping.isEmpty {
            var binds = PostgresBindings(capacity: 2)
            binds.append(mapping.map(\.key))
            binds.append(mapping.map(\.value))
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO person_distinct_ids (distinct_id, person_id) SELECT * FROM unnest($1::text[], $2::int8[])
                        ON CONFLICT (distinct_id) DO UPDATE SET person_id = excluded.person_id
                        """, binds: binds), logger: logger)
        }
        let groups = writes.groups.sorted { $0.key < $1.key }
        if !groups.isEmpty {
            var binds = PostgresBindings(capacity: 5)
            binds.append(groups.map(\.key.type))
            binds.append(groups.map(\.key.key))
            binds.append(groups.map(\.value.properties.jsonText))
            binds.append(groups.map(\.value.firstSeen.microseconds))
            binds.append(groups.map(\.value.lastSeen.microseconds))
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO group_profiles (group_type, group_key, properties, first_seen, last_seen)
                        SELECT u.t, u.k, u.p::jsonb, \(timestamp("u.f")), \(timestamp("u.l"))
                        FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[]) AS u (t, k, p, f, l)
                        ON CONFLICT (group_type, group_key) DO UPDATE
                        SET properties = excluded.properties, first_seen = excluded.first_seen, last_seen = excluded.last_seen
                        """, binds: binds), logger: logger)
        }
        let members = writes.members.sorted { $0.key < $1.key }
        if !members.isEmpty {
            var binds = PostgresBindings(capacity: 5)
            binds.append(members.map(\.key.group.type))
            binds.append(members.map(\.key.group.key))
            binds.append(members.map(\.key.distinctID))
            binds.append(members.map(\.value.lowerBound.microseconds))
            binds.append(members.map(\.value.upperBound.microseconds))
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO group_members AS m (group_type, group_key, distinct_id, first_seen, last_seen)
                        SELECT u.t, u.k, u.d, \(timestamp("u.f")), \(timestamp("u.l"))
                        FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[]) AS u (t, k, d, f, l)
                        ON CONFLICT (group_type, group_key, distinct_id) DO UPDATE
                        SET first_seen = LEAST(m.first_seen, excluded.first_seen), last_seen = GREATEST(m.last_seen, excluded.last_seen)
                        """, binds: binds), logger: logger)
        }
    }
}
