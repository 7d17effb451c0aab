// The event insert of the postgres store: one INSERT … SELECT FROM unnest(arrays) per chunk,
// skipping event_ids already stored, returning the ids it did insert. Also owns how times
// cross the wire: as integer microseconds, turned into timestamptz by the server, so no
// precision is lost to Date's floating point.

import PipelineKit
internal import PostgresNIO

extension PostgresStore {
    /// SQL for the timestamptz at `microseconds` since the Unix epoch.
    static func timestamp(_ microseconds: String) -> String {
        "('epoch'::timestamptz + \(microseconds) * INTERVAL '1 microsecond')"
    }

    /// SQL for the microseconds since the Unix epoch of a timestamptz (exact: extract is numeric).
    static func microseconds(_ timestamp: String) -> String {
        "(extract(epoch FROM \(timestamp)) * 1000000)::int8"
    }

    static let insertSQL = """
        INSERT INTO events (event_id, event_name, user_id, properties, timestamp, session_id, received_at)
        SELECT e.event_id, e.event_name, e.user_id, e.properties, \(timestamp("e.at")),
            CASE WHEN e.has_session THEN e.session_id END, \(timestamp("e.received"))
        FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::int8[], $6::text[], $7::bool[], $8::int8[])
            AS e (event_id, event_name, user_id, properties, at, session_id, has_session, received)
        ON CONFLICT (event_id) DO NOTHING
        RETURNING event_id
        """

    /// Inserts the events whose event_id is new; returns those event_ids.
    static func insert(_ events: ArraySlice<Event>, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        var ids: [String] = []
        var names: [String] = []
        var users: [String] = []
        var properties: [String] = []
        var times: [Int64] = []
        var sessions: [String] = []
        var hasSession: [Bool] = []
        var received: [Int64] = []
        ids.reserveCapacity(events.count)
        names.reserveCapacity(events.count)
        users.reserveCapacity(events.count)
        properties.reserveCapacity(events.count)
        times.reserveCapacity(events.count)
        sessions.reserveCapacity(events.count)
        hasSession.reserveCapacity(events.count)
        received.reserveCapacity(events.count)
        for event in events {
            ids.append(event.eventID)
            names.append(event.eventName)
            users.append(event.userID)
            properties.append(event.propertiesJSON)
            times.append(event.timestamp.microseconds)
            sessions.append(event.sessionID ?? "")
            hasSession.append(event.sessionID != nil)
            received.append(event.receivedAt.microseconds)
        }
        var binds = PostgresBindings(capacity: 8)
        binds.append(ids)
        binds.append(names)
        binds.append(users)
        binds.append(properties)
        binds.append(times)
        binds.append(sessions)
        binds.append(hasSession)
        binds.append(received)
        var inserted = Set<String>()
        let rows = try await connection.query(PostgresQuery(unsafeSQL: insertSQL, binds: binds), logger: logger)
        for try await id in rows.decode(String.self) { inserted.insert(id) }
        return inserted
    }
}
