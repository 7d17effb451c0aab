// Analytics reads on PostgreSQL: stats and trends from the rollup tables, event pages by
// keyset on the (name or user, timestamp DESC, id DESC) indexes; a page of every name merges
// the name index's runs (PostgresStore+MergedPage.swift). None of these scans `events`.

public import PipelineKit
internal import PostgresNIO

extension PostgresStore: AnalyticsReader {
    public func stats(top: Int) async throws -> AnalyticsStats {
        try await requireSchema()
        let query = Self.statsQuery(top: top)
        let logger = logger
        do {
            return try await withPooledConnection(doing: "read stats") { connection in
                var stats = AnalyticsStats(totalEvents: 0, uniqueUsers: 0, topEvents: [])
                let rows = try await connection.query(query, logger: logger)
                for try await (events, users, name, count) in rows.decode((Int64, Int64, String?, Int64?).self) {
                    stats.totalEvents = events
                    stats.uniqueUsers = users
                    if let name, let count { stats.topEvents.append((name: name, count: count)) }
                }
                return stats
            }
        } catch {
            throw storeError(error, doing: "read stats")
        }
    }

    /// The totals and the `top` names with the most events. One statement, so both come from
    /// the same snapshot. Ties are broken by byte order of the name, as in the SQLite store,
    /// the order of the index `rollup_event_totals_events_name` (migration 009): `top` index
    /// entries read, however many names tie.
    static func statsQuery(top: Int) -> PostgresQuery {
        """
        SELECT t.events, t.users, n.event_name, n.events
        FROM rollup_totals t
        LEFT JOIN LATERAL (
            SELECT event_name, events FROM rollup_event_totals ORDER BY events DESC, event_name COLLATE "C" LIMIT \(max(0, top))
        ) n ON TRUE
        WHERE t.id = 1
        """
    }

    public func trends(_ query: TrendQuery) async throws -> [TrendPoint] {
        try await requireSchema()
        var binds = PostgresBindings(capacity: 4)
        binds.append(query.interval.rawValue)
        binds.append(query.eventName ?? AggregateStage.allEvents)
        binds.append(query.from.microseconds)
        binds.append(query.to.microseconds)
        let sql = """
            SELECT \(Self.microseconds("bucket")), events, users FROM rollup_buckets
            WHERE period = $1 AND event_name = $2 AND bucket >= \(Self.timestamp("$3::int8")) AND bucket < \(Self.timestamp("$4::int8"))
            ORDER BY bucket
            """
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        let logger = logger
        do {
            return try await withPooledConnection(doing: "read trends") { connection in
                var points: [TrendPoint] = []
                let rows = try await connection.query(query, logger: logger)
                for try await (bucket, events, users) in rows.decode((Int64, Int64, Int64).self) {
                    points.append(TrendPoint(bucket: Timestamp(microseconds: bucket), events: events, users: users))
                }
                return points
            }
        } catch {
            throw storeError(error, doing: "read trends")
        }
    }

    public func events(_ query: EventQuery) async throws -> EventPage {
        try await requireSchema()
        var binds = PostgresBindings()
        func parameter(_ value: some PostgresNonThrowingEncodable & PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        let limit = max(0, query.limit)
        let columns = "id, event_id, event_name, user_id, properties::text, \(Self.microseconds("timestamp")), session_id, \(Self.microseconds("received_at"))"
        // A page of every name finds its ids first, from the names newest first
        // (PostgresStore+MergedPage.swift); the others
        // read their name's or user's run of an index directly.
        let merged = query.eventName == nil && query.userID == nil
        var conditions: [String] = []
        if let name = query.eventName { conditions.append("event_name = \(parameter(name))") }
        if let user = query.userID { conditions.append("user_id = \(parameter(user))") }
        if !merged { conditions += Self.keysetConditions(query, column: "") { parameter($0) } }
        let sql = """
            SELECT \(columns)
            FROM events WHERE \(merged ? "id = ANY($1::int8[])" : conditions.joined(separator: " AND "))
            ORDER BY timestamp DESC, id DESC LIMIT \(merged ? "$2" : parameter(Int64(limit) + 1))
            """
        let finalBinds = binds
        let logger = logger
        let (rows, more): ([StoredRow], Bool)
        do {
            (rows, more) = try await withPooledConnection(doing: "read events") { connection in
                var rows: [StoredRow] = []
                var more = false
                var statement = PostgresQuery(unsafeSQL: sql, binds: finalBinds)
                if merged {
                    let ids = try await Self.mergedPageIDs(query, limit: limit + 1, on: connection, logger: logger).ids
                    statement.binds.append(ids)
                    statement.binds.append(Int64(limit) + 1)
                }
                let result = try await connection.query(statement, logger: logger)
                for try await (id, eventID, name, user, propertiesText, time, session, received) in result.decode(
                    (Int64, String, String, String, String, Int64, String?, Int64).self)
                {
                    guard rows.count < limit else {
                        more = true
                        continue
                    }
                    let properties = (try? JSONParser.parse(propertiesText))?.objectValue ?? [:]
                    let event = Event(
                        eventID: eventID, eventName: name, userID: user, properties: properties, timestamp: Timestamp(microseconds: time),
                        sessionID: session, receivedAt: Timestamp(microseconds: received))
                    rows.append(StoredRow(id: id, event: event))
                }
                return (rows, more)
            }
        } catch {
            throw storeError(error, doing: "read events")
        }
        let next = more ? rows.last.map { EventCursor(timestamp: $0.event.timestamp, id: $0.id) } : nil
        return EventPage(rows: rows, next: next)
    }

    /// `before` and `after` of `query` as conditions on `column` (a prefix such as "e."),
    /// their values bound through `parameter`.
    static func keysetConditions(_ query: EventQuery, column: String, parameter: (Int64) -> String) -> [String] {
        var conditions: [String] = []
        if let before = query.before { conditions.append("\(column)timestamp < \(timestamp(parameter(before.microseconds) + "::int8"))") }
        if let after = query.after {
            let time = timestamp(parameter(after.timestamp.microseconds) + "::int8")
            conditions.append("(\(column)timestamp, \(column)id) < (\(time), \(parameter(after.id))::int8)")
        }
        return conditions
    }
}
