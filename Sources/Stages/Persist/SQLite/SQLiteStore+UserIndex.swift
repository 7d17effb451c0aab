// The per-user keyset index of /analytics/events, in three tiers (SQLiteKeyTiers; migrations
// 006 and 008): the write transaction adds its new events' (user_id, timestamp, id) to
// `events_by_user_recent`, in key order, and the tiers move down into `events_by_user_mid` and
// `events_by_user` as they fill. Owns what the rows are; the event pages filtered by user read
// all three tiers through `userPageSQL`.
//
// Why: one index on events (user_id, …) takes each insert at its user's position, so a write
// transaction dirtied most of its pages, and the WAL got all of them at every commit. That was
// about 40 % of the worker's time with 10,000 active users (the worker alone stored 55k
// events/s with it, 87–95k without it), and it grew with the store. The recent tier stays
// small, and sorted inserts land on pages the previous insert just touched (per row in event
// order it was 15–19 µs of worker CPU per event, sorted 14). With two tiers, each move walked
// the whole main tier: with 4M events stored, the moves took a quarter of the worker's time.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    static func userIndexTiers(recentRows: Int) -> SQLiteKeyTiers {
        SQLiteKeyTiers(name: "events_by_user", columns: "user_id, timestamp, id", order: "user_id, timestamp DESC, id DESC", recentRows: recentRows)
    }

    /// Inside the write transaction, after its inserts (`added` of them new, the events table
    /// holding `total` rows): adds the new events to the recent tier in its key order, so
    /// consecutive inserts land on the same pages. The new events are the `added` highest ids
    /// (`insertNew` numbers them after the highest stored).
    static func indexByUser(added: Int, total: Int, db: Database, tiers: SQLiteKeyTiers) throws {
        guard added > 0 else { return }
        try db.execute(
            sql: """
                INSERT INTO events_by_user_recent (user_id, timestamp, id)
                SELECT user_id, timestamp, id FROM events WHERE id > ?
                ORDER BY user_id, timestamp DESC, id DESC
                """, arguments: [total - added])
        try tiers.settle(added: added, total: total, db: db)
    }

    /// A page of one user's events: the newest `limit` of each tier that pass `conditions`
    /// (on `k`, the tier's row, and, if `onEvent`, on `e`, its event), merged. The arguments
    /// are the user's and those of `conditions`, then the limit, three times; then the limit.
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
            FROM (\(tier("events_by_user")) UNION ALL \(tier("events_by_user_mid")) UNION ALL \(tier("events_by_user_recent"))) page
            JOIN events e ON e.id = page.id ORDER BY page.timestamp DESC, page.id DESC LIMIT ?
            """
    }
}
