// The ids of a page of /analytics/events with neither a name nor a user filter. Since migration
// 008 there is no index on events (timestamp, id): the page is merged from each event name's
// run of `events_name_timestamp_id` in `NewestKeysMerge`'s two rounds, each one statement over
// every run (a lateral join per name). Owns only that read; it touches nothing but `events`.
//
// Why: every insert took its timestamp's position in the (timestamp, id) index as well; without
// it the split deployment stores about an eighth more events per second (docs/performance.md).

import PipelineKit
internal import PostgresNIO

extension PostgresStore {
    /// The ids of the newest `limit` events over every name that pass `query`'s `before` and
    /// `after`, newest first.
    static func mergedPageIDs(_ query: EventQuery, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        // Every distinct name: a loose scan of the name index, one probe per name. A statement
        // of its own: with the names in round 1's statement, its per-run LIMIT depends on their
        // count, PostgreSQL then estimates thousands of rows per name, and the plan crosses
        // `jit_above_cost` (135 ms of JIT compilation for a page over 20 names).
        var names: [String] = []
        let found = try await connection.query(
            """
            WITH RECURSIVE names(event_name) AS (
                (SELECT event_name FROM events ORDER BY event_name LIMIT 1)
                UNION ALL
                SELECT (SELECT e.event_name FROM events e WHERE e.event_name > n.event_name ORDER BY e.event_name LIMIT 1)
                FROM names n WHERE n.event_name IS NOT NULL)
            SELECT event_name FROM names WHERE event_name IS NOT NULL
            """, logger: logger)
        for try await name in found.decode(String.self) { names.append(name) }
        guard !names.isEmpty else { return [] }

        let perRun = NewestKeysMerge.perRun(limit: limit, runs: names.count)
        var firstRound = Array(repeating: [PageKey](), count: names.count)
        let first = try await connection.query(
            runsQuery(query, perRun: perRun, names: names, bounds: nil), logger: logger)
        for try await (run, time, id) in first.decode((Int64, Int64, Int64).self) where firstRound.indices.contains(Int(run) - 1) {
            firstRound[Int(run) - 1].append(PageKey(timestamp: time, id: id))
        }
        let round = NewestKeysMerge.afterFirstRound(firstRound, perRun: perRun, limit: limit)
        var more: [PageKey] = []
        if !round.unfinished.isEmpty {
            let bounds = (after: round.unfinished.map(\.after), floor: round.floor)
            let second = try await connection.query(
                runsQuery(query, perRun: limit, names: round.unfinished.map { names[$0.run] }, bounds: bounds), logger: logger)
            for try await (_, time, id) in second.decode((Int64, Int64, Int64).self) { more.append(PageKey(timestamp: time, id: id)) }
        }
        return NewestKeysMerge.page(round, more: more, limit: limit).map(\.id)
    }

    /// The newest `perRun` keys of each name's run that pass `query`'s conditions, as (run
    /// number from 1, microseconds, id), newest first within a run. With `bounds`: only keys
    /// older than the run's `after` key and, with a floor, at or above it.
    static func runsQuery(
        _ query: EventQuery, perRun: Int, names: [String], bounds: (after: [PageKey], floor: PageKey?)?
    ) -> PostgresQuery {
        var binds = PostgresBindings()
        func parameter(_ value: some PostgresNonThrowingEncodable & PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var runs = "unnest(\(parameter(names))::text[]"
        var conditions = ["e.event_name = s.event_name"] + keysetConditions(query, column: "e.", parameter: { parameter($0) })
        if let bounds {
            runs += ", \(parameter(bounds.after.map(\.timestamp)))::int8[], \(parameter(bounds.after.map(\.id)))::int8[]"
            conditions.append("(e.timestamp, e.id) < (\(timestamp("s.after_us")), s.after_id)")
            if let floor = bounds.floor {
                conditions.append("(e.timestamp, e.id) >= (\(timestamp(parameter(floor.timestamp) + "::int8")), \(parameter(floor.id))::int8)")
            }
        }
        let columns = bounds == nil ? "event_name, run" : "event_name, after_us, after_id, run"
        let sql = """
            SELECT s.run, \(microseconds("newest.timestamp")), newest.id
            FROM \(runs)) WITH ORDINALITY AS s(\(columns))
            CROSS JOIN LATERAL (
                SELECT e.timestamp, e.id FROM events e WHERE \(conditions.joined(separator: " AND "))
                ORDER BY e.timestamp DESC, e.id DESC LIMIT \(parameter(Int64(perRun)))
            ) newest
            ORDER BY s.run, newest.timestamp DESC, newest.id DESC
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
