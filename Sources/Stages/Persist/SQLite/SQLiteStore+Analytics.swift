// Analytics reads on SQLite: stats and trends from the rollup tables, event pages by keyset
// on the per-name and per-user tiers (SQLiteStore+PageIndexes.swift; SQLiteStore+MergedPage.swift
// when neither is given). None of these scans `events`, and a first page of every name probes
// at most `limit` + 1 names however many there are.

internal import GRDB
public import PipelineKit

extension SQLiteStore: AnalyticsReader {
    public func stats(top: Int) async throws -> AnalyticsStats {
        try await pool.read { db in
            let totals = try Row.fetchOne(db, sql: "SELECT events, users FROM rollup_totals WHERE id = 1")
            let topRows = try Row.fetchAll(
                db,
                // The order of rollup_event_totals_events_name (migration 013): `top` index
                // entries read, however many names tie at the last place.
                sql: "SELECT event_name, events FROM rollup_event_totals ORDER BY events DESC, event_name LIMIT ?", arguments: [top])
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
        // A user's page reads the per-user tiers, a name's page the per-name tiers
        // (SQLiteStore+PageIndexes.swift), and a page of every name probes the name tiers' runs
        // of the names newest first (SQLiteStore+MergedPage.swift).
        let tiered: (tiers: SQLiteKeyTiers, key: String, value: String)? =
            query.userID.map { (usersIndex, "user_id", $0) } ?? query.eventName.map { (namesIndex, "event_name", $0) }
        let key = tiered == nil ? "" : "k."
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        let nameOnEvent = query.userID != nil && query.eventName != nil
        if nameOnEvent, let name = query.eventName {
            conditions.append("e.event_name = ?")
            arguments.append(name.databaseValue)
        }
        if let before = query.before {
            conditions.append("\(key)timestamp < ?")
            arguments.append(before.microseconds.databaseValue)
        }
        if let after = query.after {
            // A row value: SQLite seeks to it, where the same test spelled with OR scans the run.
            conditions.append("(\(key)timestamp, \(key)id) < (?, ?)")
            arguments += [after.timestamp.microseconds.databaseValue, after.id.databaseValue]
        }
        let limitValue = (query.limit + 1).databaseValue
        let sql: String?
        if let tiered {
            sql = Self.tieredPageSQL(tiered.tiers, key: tiered.key, conditions: conditions, onEvent: nameOnEvent)
            let tier = [tiered.value.databaseValue] + arguments + [limitValue]
            arguments = tier + tier + tier + [limitValue]
        } else {
            sql = nil
        }
        let finalArguments = arguments
        let names = namesIndex
        let limit = query.limit
        let (stored, more) = try await pool.read { db -> ([StoredRow], Bool) in
            let rows =
                try sql.map { try Row.fetchAll(db, sql: $0, arguments: StatementArguments(finalArguments)) }
                ?? Self.mergedPage(query, limit: limit + 1, tiers: names, db: db)
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
