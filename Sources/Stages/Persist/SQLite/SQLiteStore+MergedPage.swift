// The event pages of /analytics/events with neither a name nor a user filter. Since migration
// 007 there is no index on events (timestamp, id): such a page merges the newest keys of each
// event name's run of `events_name_timestamp_id`, then reads those rows. Owns only that read;
// it touches nothing but `events` and its name index.
//
// Why: every insert took its timestamp's position in the (timestamp, id) index, and with events
// stamped up to half a minute before they arrive, those positions spread over every page of
// the last half minute. That index was about a sixth of the worker's CPU per event. A page
// costs instead one seek per distinct event name (about a millisecond with 20 names; see the
// README's Performance section for more), in the read, off the write path.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    /// Names per merge statement: Debian builds SQLite with at most 500 terms in a compound
    /// SELECT (`SQLITE_MAX_COMPOUND_SELECT`), and shorter statements prepare faster.
    static let namesPerMerge = 200

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
    /// `timestamp` and `id`, with `arguments`), newest first.
    static func mergedPage(conditions: [String], arguments: [DatabaseValue], limit: Int, db: Database) throws -> [Row] {
        let names = try storedEventNames(db)
        var keys: [(timestamp: Int64, id: Int64)] = []
        for start in stride(from: 0, to: names.count, by: namesPerMerge) {
            let chunk = names[start..<min(start + namesPerMerge, names.count)]
            keys += try newestKeys(names: chunk, conditions: conditions, arguments: arguments, limit: limit, db: db)
        }
        if names.count > namesPerMerge {
            keys.sort { ($0.timestamp, $0.id) > ($1.timestamp, $1.id) }
            keys = Array(keys.prefix(limit))
        }
        guard !keys.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ", ")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, event_id, event_name, user_id, properties, timestamp, session_id, received_at
                FROM events WHERE id IN (\(placeholders))
                """,
            arguments: StatementArguments(keys.map(\.id)))
        var byID: [Int64: Row] = [:]
        for row in rows { byID[row["id"]] = row }
        return keys.compactMap { byID[$0.id] }
    }

    /// The newest `limit` (timestamp, id) keys over `names`, newest first: each name's run of
    /// the name index read newest first, merged by SQLite (a MERGE of the UNION ALL, which
    /// stops once `limit` keys are out).
    static func newestKeys(
        names: ArraySlice<String>, conditions: [String], arguments: [DatabaseValue], limit: Int, db: Database
    ) throws -> [(timestamp: Int64, id: Int64)] {
        let filter = (["event_name = ?"] + conditions).joined(separator: " AND ")
        let arm = "SELECT * FROM (SELECT timestamp, id FROM events WHERE \(filter) ORDER BY timestamp DESC, id DESC LIMIT ?)"
        let sql = Array(repeating: arm, count: names.count).joined(separator: " UNION ALL ") + " ORDER BY 1 DESC, 2 DESC LIMIT ?"
        var values: [DatabaseValue] = []
        for name in names { values += [name.databaseValue] + arguments + [limit.databaseValue] }
        values.append(limit.databaseValue)
        // Cached by shape: the statement is the same for every page with as many names and filters.
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(values)).map { ($0[0], $0[1]) }
    }
}
