// SQLiteWriteIndex: what the SQLite store's write transaction consults and keeps besides the
// events table: which event ids are stored (three tiers of (hash, row), a Bloom filter of
// the lower two, a map of the recent one), the per-user and per-name page tiers, and the
// bucket users known to be counted. Owns their order of use within a transaction and what
// each must forget when one rolls back; the tiers' own files own their SQL.

internal import GRDB
import PipelineKit

/// The write-side index of one `SQLiteStore`, used by its one writer.
///
/// A write transaction calls, in this order:
/// 1. `prepare(db)`: reads what the caches lack (the recent ids, the filter) and returns the
///    row id the first new event gets (one more than the highest stored).
/// 2. Per event, `contains(eventID:)` then, for a new one, `insert(hash:row:)` once its row is in.
/// 3. `settle(added:highestID:db:)` once the batch's rows are in: the page tiers get the new
///    rows, and full tiers move down.
/// 4. After the commit, `committed(bucketUsers:)`; after a rollback, `rollBack()`.
///
/// Invariants:
/// - A stored event id is in exactly one of the id tiers: the recent one (the events after
///   the watermark), the middle one or the main one. A move empties the tier it reads in the
///   transaction that fills the next.
/// - The filter never answers "not stored" for an id in the middle or main tier: it is built
///   from those tiers (and the recent hashes, which move down into them), and every inserted
///   id is added. A "may be stored" is checked against the rows, so a false positive costs a
///   lookup, never an event.
/// - The recent map holds the hashes of exactly the events after the watermark while it is
///   built; a hit is checked against the event's own row, so a hash collision costs a scan.
///   A rollback drops it (the rows it named are gone, and their row ids are reused).
/// - The tiers' row counts are trusted only as a committed transaction left them; a rollback
///   drops them and the next transaction counts.
/// - A bucket user is remembered only after the transaction that counted or found it
///   committed; rows of `rollup_bucket_user_keys` are never deleted, so memory may forget at
///   any time (the idle release, the size cap) and the table answers.
final class SQLiteWriteIndex: Sendable {
    let eventIDs: SQLiteKeyTiers
    let usersIndex: SQLiteKeyTiers
    let namesIndex: SQLiteKeyTiers
    private let storedIDs = StoredEventIDFilter()
    private let recentIDs = RecentEventIDs()
    private let knownBucketUsers = KnownBucketUsers()

    init(recentTierRows: Int) {
        eventIDs = SQLiteStore.eventIDTiers(recentRows: recentTierRows)
        usersIndex = SQLiteStore.userIndexTiers(recentRows: recentTierRows)
        namesIndex = SQLiteStore.nameIndexTiers(recentRows: recentTierRows)
    }

    /// The page tiers, which `settle` fills with each transaction's new rows.
    var pageIndexes: [SQLiteKeyTiers] { [usersIndex, namesIndex] }

    /// Step 1: inside the write transaction, before its lookups.
    func prepare(_ db: Database) throws -> Lookups {
        let nextRow = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM events") ?? 0) + 1
        try recentIDs.prepare(db, tiers: eventIDs)
        let recent = recentIDs
        try storedIDs.prepare(db, tiers: eventIDs.rowsBelowRecentSQL, recent: { recent.hashes }, stored: Int(nextRow - 1))
        return Lookups(
            nextRow: nextRow,
            // A recent event with the id's hash is compared by its row; only if it has another
            // id (a 64-bit collision) are the recent events scanned for the id.
            sameAt: try SQLiteRowWriter(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1 AND event_id = ?2)"),
            anyRecent: try SQLiteRowWriter(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE id > ?1 AND event_id = ?2)"),
            // The middle and main tiers are only read for ids the filter may hold: the rows
            // with the id's hash, then their events' own ids.
            storedBelow: try SQLiteRowWriter(
                db,
                sql: "SELECT "
                    + [eventIDs.mid, eventIDs.name].map { "EXISTS (SELECT 1 FROM \($0) k JOIN events e ON e.id = k.id WHERE k.hash = ?1 AND e.event_id = ?2)" }
                    .joined(separator: " OR ")))
    }

    /// The statements one transaction's lookups run, prepared once.
    struct Lookups {
        let nextRow: Int64
        fileprivate let sameAt: SQLiteRowWriter
        fileprivate let anyRecent: SQLiteRowWriter
        fileprivate let storedBelow: SQLiteRowWriter
    }

    /// Step 2: whether the store holds `eventID` (whose EventIDHash is `hash`), this
    /// transaction's inserts included.
    func contains(eventID: String, hash: Int64, lookups: Lookups) throws -> Bool {
        let id = SQLiteRowWriter.Value.text(eventID)
        if let row = recentIDs.row(hash: hash) {
            if try lookups.sameAt.integer(.int(row), id) != 0 { return true }
            if try lookups.anyRecent.integer(.int(recentIDs.after), id) != 0 { return true }
        }
        return try storedIDs.mayContain(hash: hash) && lookups.storedBelow.integer(.int(hash), id) != 0
    }

    /// Step 2: an event's row went in at `row`.
    func insert(hash: Int64, row: Int64) {
        storedIDs.insert(hash: hash)
        recentIDs.add(hash: hash, row: row)
    }

    /// Step 3: after `added` new rows, the highest now `highestID`: indexes them for pages and
    /// moves full tiers down.
    func settle(added: Int, highestID: Int64, db: Database) throws {
        if try eventIDs.settle(added: added, total: Int(highestID), db: db) { recentIDs.moved(after: highestID) }
        for tiers in pageIndexes { try SQLiteStore.indexNewEvents(added: added, total: Int(highestID), db: db, tiers: tiers) }
    }

    /// The bucket-user keys not known to be counted (the table decides for these).
    func unknownBucketUsers(_ keys: [Int64]) -> [Int64] { knownBucketUsers.unknown(keys) }

    /// Step 4, after a commit: the bucket users it counted or found counted.
    func committed(bucketUsers: [Int64]) { knownBucketUsers.remember(bucketUsers) }

    /// Step 4, after a rollback: forgets what the transaction may have changed in memory.
    func rollBack() {
        for tiers in [eventIDs] + pageIndexes { tiers.forgetCounts() }
        recentIDs.forget()
    }

    /// The idle release: drops the filter, the recent map and the known bucket users; the next
    /// write builds the first two again.
    func releaseMemory() {
        knownBucketUsers.forget()
        storedIDs.forget()
        recentIDs.forget()
    }
}
