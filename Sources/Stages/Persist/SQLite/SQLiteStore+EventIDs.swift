// The event inserts of the SQLite store and the tiers of stored event ids (SQLiteKeyTiers;
// migration 008) they are checked against. Owns which events of a batch are new and the ids
// (rowids) they get; the per-user index and the rollups take those from here.
//
// Why tiers: events.event_id had a UNIQUE index, and SDKs send random (v4 UUID) ids, so a
// write transaction's inserts dirtied nearly every page of it (see the migration). A lookup
// reads pages without dirtying them; only the small recent tier takes inserts.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    static func eventIDTiers(recentRows: Int) -> SQLiteKeyTiers {
        SQLiteKeyTiers(name: "event_ids", columns: "event_id", order: "event_id", recentRows: recentRows)
    }

    /// Inserts the events whose event_id no tier holds (the first of a batch's repeats), in
    /// batch order, numbered after the highest stored id; records their event_ids in the
    /// recent tier. Returns them and the highest id afterwards.
    static func insertNew(
        _ events: [Event], db: Database, tiers: SQLiteKeyTiers, filter: StoredEventIDFilter
    ) throws -> (inserted: [StoredEvent], highestID: Int64) {
        var nextID = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM events") ?? 0) + 1
        try filter.prepare(db, tables: tiers.tables, stored: Int(nextID - 1))
        // The middle and main tiers are only read here, and only for ids the filter may hold; a
        // repeat within the batch, or of an event a recent write stored, is found by the recent
        // tier's primary key.
        let storedBelow = try SQLiteRowWriter(
            db, sql: "SELECT EXISTS (SELECT 1 FROM \(tiers.mid) WHERE event_id = ?1) OR EXISTS (SELECT 1 FROM \(tiers.name) WHERE event_id = ?1)")
        let claim = try SQLiteRowWriter(db, sql: "INSERT INTO \(tiers.recent) (event_id) VALUES (?) ON CONFLICT DO NOTHING")
        let insert = try SQLiteRowWriter(
            db,
            sql: """
                INSERT INTO events (id, event_id, event_name, user_id, properties, timestamp, session_id, received_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let now = Timestamp.now().microseconds
        var inserted: [StoredEvent] = []
        inserted.reserveCapacity(events.count)
        for event in events {
            let hash = StoredEventIDFilter.hash(event.eventID)
            if filter.mayContain(hash: hash), try storedBelow.integer(.text(event.eventID)) != 0 { continue }
            guard try claim.run(.text(event.eventID)) > 0 else { continue }
            filter.insert(hash: hash)
            try insert.run(
                .int(nextID), .text(event.eventID), .text(event.eventName), .text(event.userID), .text(event.propertiesJSON),
                .int(event.timestamp.microseconds), event.sessionID.map { .text($0) } ?? .null, .int(event.receivedAt.microseconds), .int(now))
            nextID += 1
            inserted.append(StoredEvent(event))
        }
        let highestID = nextID - 1
        try tiers.settle(added: inserted.count, total: Int(highestID), db: db)
        return (inserted, highestID)
    }
}
