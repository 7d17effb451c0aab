// The reads of `PersonStore` on PostgreSQL: a person (its ids, profile, and first and last
// seen over every id, one statement) and a group (profile, member count, first members).

public import PipelineKit
internal import PostgresNIO

extension PostgresStore {
    public func person(distinctID: String) async throws -> PersonProfile? {
        try await requireSchema()
        let logger = logger
        do {
            return try await withPooledConnection(doing: "read a person") { connection in
                var binds = PostgresBindings(capacity: 1)
                binds.append(distinctID)
                let sql = """
                    WITH p AS (SELECT person_id FROM person_distinct_ids WHERE distinct_id = $1::text),
                    ids AS (
                        SELECT d.distinct_id FROM person_distinct_ids d JOIN p USING (person_id)
                        UNION SELECT $1::text WHERE NOT EXISTS (SELECT 1 FROM p)
                    )
                    SELECT (SELECT person_id FROM p), (SELECT properties::text FROM person_profiles WHERE id = (SELECT person_id FROM p)),
                        (SELECT array_agg(distinct_id ORDER BY distinct_id COLLATE "C") FROM ids),
                        (SELECT \(Self.microseconds("min(s)")) FROM (
                            SELECT first_seen AS s FROM persons WHERE user_id IN (SELECT distinct_id FROM ids)
                            UNION ALL SELECT first_seen FROM person_profiles WHERE id = (SELECT person_id FROM p)) f),
                        (SELECT \(Self.microseconds("max(s)")) FROM (
                            SELECT last_seen AS s FROM persons WHERE user_id IN (SELECT distinct_id FROM ids)
                            UNION ALL SELECT last_seen FROM person_profiles WHERE id = (SELECT person_id FROM p)) l)
                    """
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                for try await (person, properties, ids, first, last) in rows.decode((Int64?, String?, [String]?, Int64?, Int64?).self) {
                    guard person != nil || first != nil else { return nil }
                    return PersonProfile(
                        personID: person, properties: properties.map(ProfileRow.properties) ?? [:], distinctIDs: ids ?? [distinctID],
                        firstSeen: first.map(Timestamp.init(microseconds:)), lastSeen: last.map(Timestamp.init(microseconds:)))
                }
                return nil
            }
        } catch {
            throw storeError(error, doing: "read a person")
        }
    }

    public func group(_ group: GroupKey, memberLimit: Int) async throws -> GroupProfile? {
        try await requireSchema()
        let logger = logger
        do {
            return try await withPooledConnection(doing: "read a group") { connection in
                var binds = PostgresBindings(capacity: 3)
                binds.append(group.type)
                binds.append(group.key)
                binds.append(Int64(max(0, memberLimit)))
                let sql = """
                    SELECT g.properties::text, \(Self.microseconds("g.first_seen")), \(Self.microseconds("g.last_seen")),
                        (SELECT count(*) FROM group_members m WHERE m.group_type = $1 AND m.group_key = $2),
                        (SELECT array_agg(d ORDER BY d) FROM (
                            SELECT distinct_id AS d FROM group_members m WHERE m.group_type = $1 AND m.group_key = $2 ORDER BY distinct_id LIMIT $3) s)
                    FROM group_profiles g WHERE g.group_type = $1 AND g.group_key = $2
                    """
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                for try await (properties, first, last, count, members) in rows.decode((String, Int64, Int64, Int64, [String]?).self) {
                    return GroupProfile(
                        group: group, properties: ProfileRow.properties(properties), memberCount: count, members: members ?? [],
                        firstSeen: Timestamp(microseconds: first), lastSeen: Timestamp(microseconds: last))
                }
                return nil
            }
        } catch {
            throw storeError(error, doing: "read a group")
        }
    }
}
