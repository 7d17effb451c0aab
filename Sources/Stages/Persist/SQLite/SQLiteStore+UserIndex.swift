// The per-user keyset index of /analytics/events, in two tiers (migration 006): the write
// transaction adds its new events' (user_id, timestamp, id) to `events_by_user_recent`, in key
// order, and once that holds `userIndexMergeRows` rows, moves them into `events_by_user`, in key
// order too. Owns both tables; the event pages filtered by user read them through `userPageSQL`.
//
// Why: one index on events (user_id, …) takes each insert at its user's position, so a write
// transaction dirtied most of its pages, and the WAL got all of them at every commit. That was
// about 40 % of the worker's time with 10,000 active users (the worker alone stored 55k
// events/s with it, 87–95k without it), and it grew with the store. The recent tier stays
// small, and sorted inserts land on pages the previous insert just touched (per row in event
// order it was 15–19 µs of worker CPU per event, sorted 14); the move walks the main tier once
// per `userIndexMergeRows` events.

internal import GRDB
import PipelineKit
import Synchronization

/// How many rows `events_by_user_recent` holds, as the writes so far left it; nil when
/// unknown (before the first write, after a failed one), and then counted in the transaction.
final class RecentUserIndexRows: Sendable {
    private let rows = Mutex<Int?>(nil)
    var value: Int? { rows.withLock { $0 } }
    func set(_ value: Int?) { rows.withLock { $0 = value } }
}

extension SQLiteStore {
    /// Rows the recent tier collects before they move into the main one.
    public static let defaultUserIndexMergeRows = 100_000

    /// Inside the write transaction, after its inserts (`added` of them new): adds the new
    /// events to the recent tier in its key order, so consecutive inserts land on the same
    /// pages, and moves the recent tier into the main one once it holds `mergeRows` rows.
    /// The new events are the `added` highest ids: an INTEGER PRIMARY KEY without AUTOINCREMENT
    /// gives each new row the highest id plus one, and skipped duplicates take none.
    static func indexByUser(added: Int, db: Database, mergeRows: Int, recentUserRows: RecentUserIndexRows) throws {
        guard added > 0 else { return }
        try db.execute(
            sql: """
                INSERT INTO events_by_user_recent (user_id, timestamp, id)
                SELECT user_id, timestamp, id FROM events WHERE id > (SELECT max(id) FROM events) - ?
                ORDER BY user_id, timestamp DESC, id DESC
                """, arguments: [added])
        let rows = try recentUserRows.value.map { $0 + added } ?? Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events_by_user_recent") ?? 0
        guard rows >= mergeRows else {
            recentUserRows.set(rows)
            return
        }
        // Both tables share one key order, so this reads the recent tier in the order the main
        // tier wants its inserts: each of its pages is touched once per move.
        try db.execute(
            sql: """
                INSERT INTO events_by_user (user_id, timestamp, id)
                SELECT user_id, timestamp, id FROM events_by_user_recent ORDER BY user_id, timestamp DESC, id DESC
                """)
        try db.execute(sql: "DELETE FROM events_by_user_recent")
        recentUserRows.set(0)
    }

    /// A page of one user's events: the newest `limit` of each tier that pass `conditions`
    /// (on `k`, the tier's row, and, if `onEvent`, on `e`, its event), merged. The arguments
    /// are the user's and those of `conditions`, then the limit, twice; then the limit.
    static func userPageSQL(conditions: [String], onEvent: Bool) -> String {
        let filter = (["k.user_id = ?"] + conditions).joined(separator: " AND ")
        // The page reads each row once below; only a condition on `e` needs it here too.
        let join = onEvent ? " JOIN events e ON e.id = k.id" : ""
        let tier = { (table: String) in
            """
            SELECT * FROM (
                SELECT k.timestamp, k.id FROM \(table) k\(join)
                WHERE \(filter) ORDER BY k.timestamp DESC, k.id DESC LIMIT ?)
            """
        }
        return """
            SELECT e.id, e.event_id, e.event_name, e.user_id, e.properties, e.timestamp, e.session_id, e.received_at
            FROM (\(tier("events_by_user")) UNION ALL \(tier("events_by_user_recent"))) page
            JOIN events e ON e.id = page.id ORDER BY page.timestamp DESC, page.id DESC LIMIT ?
            """
    }
}
