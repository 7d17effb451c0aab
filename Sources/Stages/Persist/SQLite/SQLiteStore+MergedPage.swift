// The event pages of /analytics/events with neither a name nor a user filter, and the table
// they start from. Since migration 007 there is no index on events (timestamp, id): such a
// page reads the event names newest first from `event_name_latest` (migration 014) and probes
// each name's runs in the name index's tiers (SQLiteStore+PageIndexes.swift) until no further
// name can reach the page (NamesByLatestMerge), then reads those rows. Owns that read and the
// upsert that keeps `event_name_latest`.
//
// Why: every insert took its timestamp's position in the (timestamp, id) index, and with events
// stamped up to half a minute before they arrive, those positions spread over every page of
// the last half minute. Without it the worker alone spends about a third less CPU per event.
// A first page costs instead a probe of at most `limit` + 1 names, however many names clients
// sent, and the writer one upsert per name and transaction.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    /// Inside the write transaction: raises each name's newest timestamp to that of `inserted`.
    static func noteNewestNames(_ inserted: [StoredEvent], db: Database) throws {
        guard !inserted.isEmpty else { return }
        let newest = NamesByLatestMerge.newestTimestamps(of: inserted)
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO event_name_latest (event_name, latest) VALUES (?, ?)
                ON CONFLICT (event_name) DO UPDATE SET latest = excluded.latest WHERE excluded.latest > latest
                """)
        for (name, latest) in newest { try upsert.execute(arguments: [name, latest]) }
    }

    /// The rows of the newest `limit` events over every name that pass `query`'s `before` and
    /// `after`, newest first.
    static func mergedPage(_ query: EventQuery, limit: Int, tiers: SQLiteKeyTiers, db: Database) throws -> [Row] {
        var merge = NamesByLatestMerge(limit: limit)
        var arguments: [String: (any DatabaseValueConvertible)?] = ["limit": limit]
        var conditions = ["event_name = :name"]
        if let before = query.before {
            conditions.append("timestamp < :before")
            arguments["before"] = before.microseconds
        }
        if let after = query.after {
            // A row value: SQLite seeks to it, where the same test spelled with OR scans the run.
            conditions.append("(timestamp, id) < (:afterTime, :afterID)")
            arguments["afterTime"] = after.timestamp.microseconds
            arguments["afterID"] = after.id
        }
        let open = try db.cachedStatement(sql: runsSQL(tiers, conditions))
        let aboveFloor = try db.cachedStatement(sql: runsSQL(tiers, conditions + ["(timestamp, id) > (:floorTime, :floorID)"]))
        let names = try Row.fetchCursor(db, sql: "SELECT event_name, latest FROM event_name_latest ORDER BY latest DESC, event_name DESC")
        while let name = try names.next() {
            guard merge.needs(latest: name[1]) else { break }
            arguments["name"] = name[0] as String
            var statement = open
            if let floor = merge.floor {
                arguments["floorTime"] = floor.timestamp
                arguments["floorID"] = floor.id
                statement = aboveFloor
            }
            merge.add(try Row.fetchAll(statement, arguments: StatementArguments(arguments)).map { PageKey(timestamp: $0[0], id: $0[1]) })
        }
        guard !merge.keys.isEmpty else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT id, event_id, event_name, user_id, properties, timestamp, session_id, received_at
                FROM events WHERE id IN (\(Array(repeating: "?", count: merge.keys.count).joined(separator: ", ")))
                ORDER BY timestamp DESC, id DESC
                """,
            arguments: StatementArguments(merge.keys.map(\.id)))
    }

    /// The newest `:limit` keys of one name (`:name`) in each tier that pass `conditions`;
    /// a key is in one tier only, so the parts do not overlap.
    private static func runsSQL(_ tiers: SQLiteKeyTiers, _ conditions: [String]) -> String {
        let filter = conditions.joined(separator: " AND ")
        return tiers.tables.map { table in
            "SELECT * FROM (SELECT timestamp, id FROM \(table) WHERE \(filter) ORDER BY timestamp DESC, id DESC LIMIT :limit)"
        }.joined(separator: " UNION ALL ")
    }
}
