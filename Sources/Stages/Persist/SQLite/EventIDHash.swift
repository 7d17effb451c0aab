// EventIDHash: the 64-bit key the SQLite store's tiers of stored event ids are sorted by
// (migration 011), and the SQL function that computes it in the store's connections. Owns
// only the function; SQLiteStore+EventIDs.swift, RecentEventIDs and StoredEventIDFilter use it.
//
// Why: sorted by the ids' text, every move of the tiers compared 36-byte strings and each tier
// row was about 45 bytes; keyed by (hash, events.id) a row is about 16 bytes and compares as
// integers, and a hit is checked against the event's own id (two ids may share a hash).

internal import GRDB

enum EventIDHash {
    /// StableHash of the id's UTF-8 bytes.
    static func of(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        var hash = StableHash()
        hash.add(bytes)
        return hash.value
    }

    static func of(_ id: String) -> Int64 {
        id.utf8.withContiguousStorageIfAvailable { of(UnsafeRawBufferPointer($0)) } ?? Array(id.utf8).withUnsafeBytes(of)
    }

    /// `smolhog_event_id_hash(event_id)`, for the moves of the recent tier and the migration.
    static let sqlFunction = DatabaseFunction("smolhog_event_id_hash", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(of)
    }
}
