// The event inserts of the SQLite store and the tiers of stored event ids (SQLiteKeyTiers;
// migrations 008, 010 and 011) they are checked against. Owns which events of a batch are new and the ids
// (rowids) they get; the per-user index and the rollups take those from here.
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

    /// Inserts the events whose event_id no tier holds (the first of a batch's repeats), in
    /// batch order, numbered after the highest stored id; they join the recent tier (the events
    /// after its watermark, indexed by `recent`). Returns them and the highest id afterwards.
    static func insertNew(
        _ events: [Event], db: Database, tiers: SQLiteKeyTiers, filter: StoredEventIDFilter, recent: RecentEventIDs
    ) throws -> (inserted: [StoredEvent], highestID: Int64) {
        var nextID = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM events") ?? 0) + 1
        try recent.prepare(db, tiers: tiers)
        try filter.prepare(db, tiers: tiers.rowsBelowRecentSQL, recent: { recent.hashes }, stored: Int(nextID - 1))
        // A recent event with the id's hash is compared by its row; only if it has another id
        // (a 64-bit collision) are the recent events scanned for the id.
        let sameAt = try SQLiteRowWriter(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1 AND event_id = ?2)")
        let anyRecent = try SQLiteRowWriter(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE id > ?1 AND event_id = ?2)")
        // The middle and main tiers are only read here, and only for ids the filter may hold:
        // the rows with the id's hash, then their events' own ids.
        let storedBelow = try SQLiteRowWriter(
            db,
            sql: "SELECT "
                + [tiers.mid, tiers.name].map { "EXISTS (SELECT 1 FROM \($0) k JOIN events e ON e.id = k.id WHERE k.hash = ?1 AND e.event_id = ?2)" }
                .joined(separator: " OR "))
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
            let id = SQLiteRowWriter.Value.text(events[index].eventID)
            let hash = EventIDHash.of(events[index].eventID)
            if let row = recent.row(hash: hash) {
                if try sameAt.integer(.int(row), id) != 0 { continue }
                if try anyRecent.integer(.int(recent.after), id) != 0 { continue }
            }
            if filter.mayContain(hash: hash), try storedBelow.integer(.int(hash), id) != 0 { continue }
            try insert.run(
                .int(nextID), id, .text(events[index].eventName), .text(events[index].userID), .text(events[index].propertiesJSON),
                .int(events[index].timestamp.microseconds), events[index].sessionID.map { .text($0) } ?? .null,
                .int(events[index].receivedAt.microseconds), .int(now))
            filter.insert(hash: hash)
            recent.add(hash: hash, row: nextID)
            nextID += 1
            inserted.append(StoredEvent(events[index]))
        }
        let highestID = nextID - 1
        if try tiers.settle(added: inserted.count, total: Int(highestID), db: db) { recent.moved(after: highestID) }
        return (inserted, highestID)
    }
}
