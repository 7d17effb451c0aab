// The event pages of /analytics/events with neither a name nor a user filter. Since migration
// 007 there is no index on events (timestamp, id): such a page merges the newest keys of each
// event name's run in each of the name index's tiers (SQLiteStore+PageIndexes.swift), then
// reads those rows. Owns only that read; it touches nothing but `events` and the name tiers.
//
// Why: every insert took its timestamp's position in the (timestamp, id) index, and with events
// stamped up to half a minute before they arrive, those positions spread over every page of
// the last half minute. Without it the worker alone spends about a third less CPU per event.
// A page costs instead a seek or two per distinct event name and tier (NewestKeysMerge), in
// the read, off the write path.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    /// Every distinct event name in `table` (a name tier): one seek per name (a loose index
    /// scan), not one step per event.
    static func storedEventNames(in table: String, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                WITH RECURSIVE names(name) AS (
                    SELECT min(event_name) FROM \(table)
                    UNION ALL
                    SELECT (SELECT min(event_name) FROM \(table) WHERE event_name > names.name) FROM names WHERE names.name IS NOT NULL)
                SELECT name FROM names WHERE name IS NOT NULL
                """)
    }

    /// The rows of the newest `limit` events over every name that pass `conditions` (on
    /// `timestamp` and `id`, with `arguments`), newest first, in `NewestKeysMerge`'s two rounds
    /// over the runs of each name in each of the name `tiers`.
    static func mergedPage(tiers: SQLiteKeyTiers, conditions: [String], arguments: [DatabaseValue], limit: Int, db: Database) throws -> [Row] {
        let runs = try tiers.tables.flatMap { table in try storedEventNames(in: table, db).map { (table: table, name: $0) } }
        let perRun = NewestKeysMerge.perRun(limit: limit, runs: runs.count)
        let firstRound = try runs.map { run in
            try keys(db.cachedStatement(sql: runSQL(run.table, conditions)), [run.name.databaseValue] + arguments + [perRun.databaseValue])
        }
        let round = NewestKeysMerge.afterFirstRound(firstRound, perRun: perRun, limit: limit)
        var more: [PageKey] = []
        if !round.unfinished.isEmpty {
            let bounds = [olderThanKey()] + (round.floor == nil ? [] : [atOrAboveKey])
            let floor = round.floor.map(keyArguments) ?? []
            for (index, after) in round.unfinished {
                let run = runs[index]
                let older = try db.cachedStatement(sql: runSQL(run.table, conditions + bounds))
                more += try keys(older, [run.name.databaseValue] + arguments + keyArguments(after) + floor + [limit.databaseValue])
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

    /// One name's run of a name tier, newest first: its name, then `conditions`' arguments, then the limit.
    private static func runSQL(_ table: String, _ conditions: [String]) -> String {
        let filter = (["event_name = ?"] + conditions).joined(separator: " AND ")
        return "SELECT timestamp, id FROM \(table) WHERE \(filter) ORDER BY timestamp DESC, id DESC LIMIT ?"
    }

    private static func keys(_ statement: Statement, _ values: [DatabaseValue]) throws -> [PageKey] {
        try Row.fetchAll(statement, arguments: StatementArguments(values)).map { PageKey(timestamp: $0[0], id: $0[1]) }
    }
}
