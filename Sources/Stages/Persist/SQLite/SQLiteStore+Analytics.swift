// Analytics reads on SQLite: stats and trends from the rollup tables, event pages by keyset
// on the (event_name, timestamp, id) index (SQLiteStore+MergedPage.swift when no name is
// given) and the per-user index's two tiers. None of these scans `events`.

internal import GRDB
public import PipelineKit

extension SQLiteStore: AnalyticsReader {
    public func stats(top: Int) async throws -> AnalyticsStats {
        try await pool.read { db in
            let totals = try Row.fetchOne(db, sql: "SELECT events, users FROM rollup_totals WHERE id = 1")
            let topRows = try Row.fetchAll(
                db, sql: "SELECT event_name, events FROM rollup_event_totals ORDER BY events DESC, event_name LIMIT ?", arguments: [top])
            return AnalyticsStats(
                totalEvents: totals?["events"] ?? 0, uniqueUsers: totals?["users"] ?? 0,
                topEvents: topRows.map { (name: $0["event_name"], count: $0["events"]) })
        }
    }

    public func trends(_ query: TrendQuery) async throws -> [TrendPoint] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT bucket, events, users FROM rollup_buckets
                    WHERE interval = ? AND event_name = ? AND bucket >= ? AND bucket < ? ORDER BY bucket
                    """,
                arguments: [query.interval.rawValue, query.eventName ?? AggregateStage.allEvents, query.from.microseconds, query.to.microseconds]
            ).map { TrendPoint(bucket: Timestamp(microseconds: $0["bucket"]), events: $0["events"], users: $0["users"]) }
        }
    }

    public func events(_ query: EventQuery) async throws -> EventPage {
        // A user's page reads the two tiers of the per-user index (SQLiteStore+UserIndex.swift),
        // a name's page its run of the name index, and a page of every name merges those runs
        // (SQLiteStore+MergedPage.swift).
        let key = query.userID == nil ? "" : "k."
        let event = query.userID == nil ? "" : "e."
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let name = query.eventName {
            conditions.append("\(event)event_name = ?")
            arguments.append(name.databaseValue)
        }
        if let before = query.before {
            conditions.append("\(key)timestamp < ?")
            arguments.append(before.microseconds.databaseValue)
        }
        if let after = query.after {
            conditions.append(Self.olderThanKey(column: key))
            arguments += Self.keyArguments(PageKey(timestamp: after.timestamp.microseconds, id: after.id))
        }
        let limitValue = (query.limit + 1).databaseValue
        let sql: String?
        if let user = query.userID {
            sql = Self.userPageSQL(conditions: conditions, onEvent: query.eventName != nil)
            let tier = [user.databaseValue] + arguments + [limitValue]
            arguments = tier + tier + tier + [limitValue]
        } else if query.eventName != nil {
            sql = """
                SELECT id, event_id, event_name, user_id, properties, timestamp, session_id, received_at
                FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY timestamp DESC, id DESC LIMIT ?
                """
            arguments.append(limitValue)
        } else {
            sql = nil
        }
        let (finalConditions, finalArguments) = (conditions, arguments)
        let limit = query.limit
        let (stored, more) = try await pool.read { db -> ([StoredRow], Bool) in
            let rows =
                try sql.map { try Row.fetchAll(db, sql: $0, arguments: StatementArguments(finalArguments)) }
                ?? Self.mergedPage(conditions: finalConditions, arguments: finalArguments, limit: limit + 1, db: db)
            let stored = rows.prefix(limit).map { row -> StoredRow in
                let propertiesText: String = row["properties"]
                let properties = (try? JSONParser.parse(propertiesText))?.objectValue ?? [:]
                let event = Event(
                    eventID: row["event_id"], eventName: row["event_name"], userID: row["user_id"], properties: properties,
                    timestamp: Timestamp(microseconds: row["timestamp"]), sessionID: row["session_id"], receivedAt: Timestamp(microseconds: row["received_at"]))
                return StoredRow(id: row["id"], event: event)
            }
            return (stored, rows.count > limit)
        }
        let next = more ? stored.last.map { EventCursor(timestamp: $0.event.timestamp, id: $0.id) } : nil
        return EventPage(rows: stored, next: next)
    }

    /// Rows older than a key in page order, on `column`'s timestamp and id (`column` a prefix
    /// such as "k."); its arguments are `keyArguments` of the key.
    static func olderThanKey(column: String = "") -> String {
        "(\(column)timestamp < ? OR (\(column)timestamp = ? AND \(column)id < ?))"
    }

    /// Rows at or above a key in page order; its arguments are `keyArguments` of the key.
    static let atOrAboveKey = "(timestamp > ? OR (timestamp = ? AND id >= ?))"

    /// The arguments of `olderThanKey` and `atOrAboveKey` for `key`.
    static func keyArguments(_ key: PageKey) -> [DatabaseValue] {
        [key.timestamp, key.timestamp, key.id].map(\.databaseValue)
    }
}
