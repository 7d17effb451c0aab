// The event inserts of the SQLite store and the tiers of stored event ids (SQLiteKeyTiers;
// migrations 008, 010 and 011) they are checked against through SQLiteWriteIndex. Owns which
// events of a batch are new and the ids (rowids) they get; the page tiers and the rollups
// take those from here.
//
// Why tiers: events.event_id had a UNIQUE index, and SDKs send random (v4 UUID) ids, so a
// write transaction's inserts dirtied nearly every page of it (migration 008). A lookup reads
// pages without dirtying them; the recent tier is the newest events themselves, indexed in
// memory (RecentEventIDs, migration 010), and the moves sort its ids' hashes (EventIDHash,
// migration 011) once per 100,000.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    static func eventIDTiers(recentRows: Int) -> SQLiteKeyTiers {
        SQLiteKeyTiers(
            name: "event_ids", columns: "hash, id", order: "hash, id", recentRows: recentRows, recentFromEvents: "smolhog_event_id_hash(event_id) AS hash, id")
    }

    /// Inserts the events whose event_id the store does not hold (the first of a batch's
    /// repeats), in batch order, numbered after the highest stored id, and settles the write
    /// index (SQLiteWriteIndex, steps 1–3). Returns them.
    static func insertNew(_ events: [Event], db: Database, index writeIndex: SQLiteWriteIndex) throws -> [StoredEvent] {
        let lookups = try writeIndex.prepare(db)
        var nextID = lookups.nextRow
        let insert = try SQLiteRowWriter(
            db,
            sql: """
                INSERT INTO events (id, event_id, event_name, user_id, properties, timestamp, session_id, received_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let now = Timestamp.now().microseconds
        var inserted: [StoredEvent] = []
        inserted.reserveCapacity(events.count)
        // By index, reading the fields in place: a copy of an event is a retain per field.
        for index in events.indices {
            let hash = EventIDHash.of(events[index].eventID)
            if try writeIndex.contains(eventID: events[index].eventID, hash: hash, lookups: lookups) { continue }
            try insert.run(
                .int(nextID), .text(events[index].eventID), .text(events[index].eventName), .text(events[index].userID),
                .text(events[index].propertiesJSON), .int(events[index].timestamp.microseconds), events[index].sessionID.map { .text($0) } ?? .null,
                .int(events[index].receivedAt.microseconds), .int(now))
            writeIndex.insert(hash: hash, row: nextID)
            nextID += 1
            inserted.append(StoredEvent(events[index]))
        }
        try writeIndex.settle(added: inserted.count, highestID: nextID - 1, db: db)
        return inserted
    }
}
