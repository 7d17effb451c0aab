// The ids of a page of /analytics/events with neither a name nor a user filter, and the table
// they start from. Since migration 008 there is no index on events (timestamp, id): the page
// reads the event names newest first from `event_name_latest` (migration 010), a few at a
// time, and probes each name's run of `events_name_timestamp_id` until no further name can
// reach the page (NamesByLatestMerge). Owns that read and the upsert that keeps the table.
//
// Why: every insert took its timestamp's position in the (timestamp, id) index as well; without
// it the split deployment stores about an eighth more events per second (docs/performance.md),
// and putting it back measured a median 13 % fewer rows per second for a COPY into `events`.
// A first page costs instead a probe of at most `limit` + 1 names, however many names clients
// sent (probing every name's run took seconds with 200,000 names), and a write transaction one
// upsert statement for its names.

import PipelineKit
internal import PostgresNIO

extension PostgresStore {
    /// Inside the write transaction: raises each name's newest timestamp to that of `inserted`,
    /// in name order, so concurrent writers lock the rows in the same order.
    static func noteNewestNames(_ inserted: [StoredEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard !inserted.isEmpty else { return }
        let newest = NamesByLatestMerge.newestTimestamps(of: inserted)
        let names = newest.keys.sorted()
        var binds = PostgresBindings(capacity: 2)
        binds.append(names)
        binds.append(names.map { newest[$0] ?? 0 })
        let sql = """
            INSERT INTO event_name_latest AS l (event_name, latest)
            SELECT s.name, \(timestamp("s.at")) FROM unnest($1::text[], $2::int8[]) AS s(name, at)
            ON CONFLICT (event_name) DO UPDATE SET latest = excluded.latest WHERE l.latest < excluded.latest
            """
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    /// The ids of the newest `limit` events over every name that pass `query`'s `before` and
    /// `after`, newest first, and how many names' runs were probed. Runs in one repeatable-read
    /// transaction, so the names and their runs come from one snapshot.
    static func mergedPageIDs(
        _ query: EventQuery, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> (ids: [Int64], probedNames: Int) {
        var merge = NamesByLatestMerge(limit: limit)
        var probed = 0
        try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        do {
            var position: (latest: Int64, name: String)?
            // Few names first: a full page usually needs few, and each is probed for up to
            // `limit` keys until the page has a floor.
            var count = 8
            while true {
                let names = try await nextNames(after: position, count: count, on: connection, logger: logger)
                guard let last = names.last else { break }
                position = last
                let wanted = names.prefix { merge.needs(latest: $0.latest) }
                if !wanted.isEmpty {
                    probed += wanted.count
                    let probe = runsQuery(query, names: wanted.map(\.name), perRun: limit, floor: merge.floor)
                    var keys: [PageKey] = []
                    for try await (time, id) in try await connection.query(probe, logger: logger).decode((Int64, Int64).self) {
                        keys.append(PageKey(timestamp: time, id: id))
                    }
                    merge.add(keys)
                }
                if wanted.count < names.count || names.count < count { break }
                count = min(2 * count, 1024)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        return (merge.keys.map(\.id), probed)
    }

    /// The next `count` names after `position`, newest `latest` first (ties by byte order of
    /// the name, descending), in the order of `event_name_latest_latest`.
    static func nextNames(
        after position: (latest: Int64, name: String)?, count: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [(latest: Int64, name: String)] {
        var binds = PostgresBindings(capacity: 3)
        var filter = ""
        if let position {
            binds.append(position.latest)
            binds.append(position.name)
            filter = "WHERE (latest, event_name COLLATE \"C\") < (\(timestamp("$1::int8")), $2::text COLLATE \"C\")"
        }
        binds.append(Int64(count))
        let sql = """
            SELECT \(microseconds("latest")), event_name FROM event_name_latest \(filter)
            ORDER BY latest DESC, event_name COLLATE "C" DESC LIMIT $\(binds.count)
            """
        var names: [(latest: Int64, name: String)] = []
        for try await (latest, name) in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(
            (Int64, String).self)
        {
            names.append((latest, name))
        }
        return names
    }

    /// The newest `perRun` keys of each of `names`' runs that pass `query`'s conditions and lie
    /// above `floor`, as (microseconds, id).
    static func runsQuery(_ query: EventQuery, names: [String], perRun: Int, floor: PageKey?) -> PostgresQuery {
        var binds = PostgresBindings()
        func parameter(_ value: some PostgresNonThrowingEncodable & PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions = ["e.event_name = s.event_name"] + keysetConditions(query, column: "e.", parameter: { parameter($0) })
        if let floor {
            conditions.append("(e.timestamp, e.id) > (\(timestamp(parameter(floor.timestamp) + "::int8")), \(parameter(floor.id))::int8)")
        }
        let sql = """
            SELECT \(microseconds("newest.timestamp")), newest.id
            FROM unnest(\(parameter(names))::text[]) AS s(event_name)
            CROSS JOIN LATERAL (
                SELECT e.timestamp, e.id FROM events e WHERE \(conditions.joined(separator: " AND "))
                ORDER BY e.timestamp DESC, e.id DESC LIMIT \(parameter(Int64(perRun)))
            ) newest
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
