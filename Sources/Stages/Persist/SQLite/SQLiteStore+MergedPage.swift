// The event pages of /analytics/events with neither a name nor a user filter. Since migration
// 007 there is no index on events (timestamp, id): such a page merges the newest keys of each
// event name's run of `events_name_timestamp_id`, then reads those rows. Owns only that read;
// it touches nothing but `events` and its name index.
//
// Why: every insert took its timestamp's position in the (timestamp, id) index, and with events
// stamped up to half a minute before they arrive, those positions spread over every page of
// the last half minute. Without it the worker alone spends about a third less CPU per event.
// A page costs instead a seek or two per distinct event name (NewestKeysMerge), in the read,
// off the write path.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    /// Every distinct event name, from the name index: one seek per name (a loose index scan),
    /// not one step per event.
    static func storedEventNames(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                WITH RECURSIVE names(name) AS (
                    SELECT min(event_name) FROM events
                    UNION ALL
                    SELECT (SELECT min(event_name) FROM events WHERE event_name > names.name) FROM names WHERE names.name IS NOT NULL)
                SELECT name FROM names WHERE name IS NOT NULL
                """)
    }

    /// The rows of the newest `limit` events over every name that pass `conditions` (on
    /// `timestamp` and `id`, with `arguments`), newest first, in `NewestKeysMerge`'s two rounds.
    static func mergedPage(conditions: [String], arguments: [DatabaseValue], limit: Int, db: Database) throws -> [Row] {
        let names = try storedEventNames(db)
        let perRun = NewestKeysMerge.perRun(limit: limit, runs: names.count)
        let newest = try db.cachedStatement(sql: runSQL(conditions))
        let firstRound = try names.map { name in
            try keys(newest, [name.databaseValue] + arguments + [perRun.databaseValue])
        }
        let round = NewestKeysMerge.afterFirstRound(firstRound, perRun: perRun, limit: limit)
        var more: [PageKey] = []
        if !round.unfinished.isEmpty {
            let bounds = [olderThanKey()] + (round.floor == nil ? [] : [atOrAboveKey])
            let floor = round.floor.map(keyArguments) ?? []
            let older = try db.cachedStatement(sql: runSQL(conditions + bounds))
            for (run, after) in round.unfinished {
                more += try keys(older, [names[run].databaseValue] + arguments + keyArguments(after) + floor + [limit.databaseValue])
            }
        }
        let page = NewestKeysMerge.page(round, more: more, limit: limit)
        guard !page.isEmpty else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT id, event_id, event_name, user_id, properties, timestamp, session_id, received_at
                FROM events WHERE id IN (\(Array(repeating: "?", count: page.count).joined(separator: ", ")))
                ORDER BY timestamp DESC, id DESC
                """,
            arguments: StatementArguments(page.map(\.id)))
    }

    /// One name's run of the name index, newest first: its name, then `conditions`' arguments, then the limit.
    private static func runSQL(_ conditions: [String]) -> String {
        let filter = (["event_name = ?"] + conditions).joined(separator: " AND ")
        return "SELECT timestamp, id FROM events WHERE \(filter) ORDER BY timestamp DESC, id DESC LIMIT ?"
    }

    private static func keys(_ statement: Statement, _ values: [DatabaseValue]) throws -> [PageKey] {
        try Row.fetchAll(statement, arguments: StatementArguments(values)).map { PageKey(timestamp: $0[0], id: $0[1]) }
    }
}
