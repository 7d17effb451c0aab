// The keyset indexes of /analytics/events, each in three tiers (SQLiteKeyTiers): by user
// (`events_by_user*`, migrations 006 and 008) and by event name (`events_by_name*`, migration
// 009), both on (key, timestamp, id). The write transaction adds its new events to each recent
// tier, in key order, and the tiers move down as they fill. Owns what the rows are and the SQL
// of a page over one key's three tiers; pages of every name merge the name tiers' runs
// (SQLiteStore+MergedPage.swift).
//
// Why: an index on events (user_id, …) or (event_name, …) takes each insert at its key's and
// timestamp's place. With 10,000 active users, or events stamped up to half a minute before
// they arrive, those places spread over most of the index, so a write transaction rewrote most
// of its pages into the WAL, and more as the store grew: the per-user index was about 40 % of
// the worker's time before migration 006, the name index 3 µs of its 10.5 per event before 009. The
// recent tier stays small, and sorted inserts land on pages the previous insert just touched.

internal import GRDB
import PipelineKit

extension SQLiteStore {
    static func userIndexTiers(recentRows: Int) -> SQLiteKeyTiers {
        SQLiteKeyTiers(name: "events_by_user", columns: "user_id, timestamp, id", order: "user_id, timestamp DESC, id DESC", recentRows: recentRows)
    }

    static func nameIndexTiers(recentRows: Int) -> SQLiteKeyTiers {
        SQLiteKeyTiers(
            name: "events_by_name", columns: "event_name, timestamp, id", order: "event_name, timestamp DESC, id DESC", recentRows: recentRows)
    }

    /// Inside the write transaction, after its inserts (`added` of them new, the events table
    /// holding `total` rows): adds the new events to the recent tier of `tiers` in its key
    /// order, so consecutive inserts land on the same pages. The new events are the `added`
    /// highest ids (`insertNew` numbers them after the highest stored).
    static func indexNewEvents(added: Int, total: Int, db: Database, tiers: SQLiteKeyTiers) throws {
        guard added > 0 else { return }
        try db.execute(
            sql: "INSERT INTO \(tiers.recent) (\(tiers.columns)) SELECT \(tiers.columns) FROM events WHERE id > ? ORDER BY \(tiers.order)",
            arguments: [total - added])
        try tiers.settle(added: added, total: total, db: db)
    }

    /// A page of the events with one `key` (the tiers' first column): the newest `limit` of
    /// each tier that pass `conditions` (on `k`, the tier's row, and, if `onEvent`, on `e`, its
    /// event), merged. The arguments are the key's and those of `conditions`, then the limit,
    /// three times; then the limit.
    static func tieredPageSQL(_ tiers: SQLiteKeyTiers, key: String, conditions: [String], onEvent: Bool) -> String {
        let filter = (["k.\(key) = ?"] + conditions).joined(separator: " AND ")
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
            FROM (\(tiers.tables.map(tier).joined(separator: " UNION ALL "))) page
            JOIN events e ON e.id = page.id ORDER BY page.timestamp DESC, page.id DESC LIMIT ?
            """
    }
}
