// Analytics reads on SQLite: stats and trends from the rollup tables, event pages by keyset
// on the (timestamp, id) indexes. None of these scans `events`.

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
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let name = query.eventName {
            conditions.append("event_name = ?")
            arguments.append(name.databaseValue)
        }
        if let user = query.userID {
            conditions.append("user_id = ?")
            arguments.append(user.databaseValue)
        }
        if let before = query.before {
            conditions.append("timestamp < ?")
            arguments.append(before.microseconds.databaseValue)
        }
        if let after = query.after {
            conditions.append("(timestamp < ? OR (timestamp = ? AND id < ?))")
            arguments += [after.timestamp.microseconds.databaseValue, after.timestamp.microseconds.databaseValue, after.id.databaseValue]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append((query.limit + 1).databaseValue)
        let sql = """
            SELECT id, event_id, event_name, user_id, properties, timestamp, session_id, received_at
            FROM events \(filter) ORDER BY timestamp DESC, id DESC LIMIT ?
            """
        let finalArguments = arguments
        let limit = query.limit
        let (stored, more) = try await pool.read { db -> ([StoredRow], Bool) in
            let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(finalArguments))
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
}
