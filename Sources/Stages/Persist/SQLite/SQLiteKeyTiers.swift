// SQLiteKeyTiers: one sorted set of keys kept in three WITHOUT ROWID tables, a small
// log-structured merge of B-trees. Owns when rows move between the tiers and how many each
// holds; its users own what the rows are (SQLiteStore+EventIDs.swift: which event ids are
// stored; SQLiteStore+PageIndexes.swift: the per-user and per-name keyset indexes) and add
// them to the recent tier themselves.
//
// Why: with keys that arrive in no particular order (random event ids; the events of 10,000
// active users), one B-tree of every key takes each insert on a different page, so a write
// transaction dirties nearly all of its pages, and SQLite writes each dirty page to the WAL and
// again at the checkpoint. Inserts into a small tier touch few pages; a move walks the tier
// below once, in key order, for many rows at a time.
//
// Flow: writes → `<name>_recent` (at most `recentRows`) → `<name>_mid` → `<name>` (the rest);
// while the main tier is small, the recent tier moves straight into it. A set kept with
// `recentFromEvents` has no recent table: its recent tier is the events after the id in
// `<name>_recent_after` (their rows computed by that select list), and a move advances that
// watermark (the stored event ids: see RecentEventIDs.swift).
// Invariant: a key is in at most one tier (a write adds only keys none of them holds, and a
// move empties the tier it reads in the same transaction).

internal import GRDB
import Synchronization

final class SQLiteKeyTiers: Sendable {
    /// The main tier's table; the others are `<name>_mid` and `<name>_recent`.
    let name: String
    /// The tables' columns, and their primary key's order (every tier has the same).
    let columns: String
    let order: String
    /// Rows the recent tier collects before they move into the middle one.
    let recentRows: Int
    /// The rows of the recent tier as a select list over the events after a watermark; nil
    /// when the recent tier is a table.
    let recentFromEvents: String?
    /// Rows in the recent and middle tiers as the writes so far left them; nil when unknown
    /// (before the first write, after a failed one), and then counted in the next transaction.
    private let counts = Mutex<(recent: Int, mid: Int)?>(nil)

    init(name: String, columns: String, order: String, recentRows: Int, recentFromEvents: String? = nil) {
        self.name = name
        self.columns = columns
        self.order = order
        self.recentRows = max(1, recentRows)
        self.recentFromEvents = recentFromEvents
    }

    var mid: String { name + "_mid" }
    var recent: String { name + "_recent" }
    /// The three tables, the main one first (without `recentFromEvents`).
    var tables: [String] { [name, mid, recent] }
    /// The one-row table of the id after which events are in the recent tier (with `recentFromEvents`).
    var recentAfter: String { name + "_recent_after" }

    /// The events of a recent tier in events (`recentFromEvents`).
    var recentEvents: String { "events WHERE id > (SELECT id FROM \(recentAfter))" }

    /// The rows of the recent tier, unordered.
    var recentRowsSQL: String { recentFromEvents.map { "SELECT \($0) FROM \(recentEvents)" } ?? "SELECT \(columns) FROM \(recent)" }

    /// The rows of the main and the middle tier, unordered, one statement each.
    var rowsBelowRecentSQL: [String] { ["SELECT \(columns) FROM \(name)", "SELECT \(columns) FROM \(mid)"] }

    /// Every row of the three tiers, unordered, one statement per tier.
    var everyRowSQL: [String] { rowsBelowRecentSQL + [recentRowsSQL] }

    /// How many rows the middle tier collects before they move into the main one, for a store
    /// of `total` rows. A move from the recent tier rewrites the middle one (half of `cap` on
    /// average) every `recentRows` rows; a move from the middle tier rewrites the main one
    /// (about `total`) every `cap` rows; per row that is cap / (2 recentRows) + total / cap,
    /// least at cap = sqrt(2 recentRows total). With 10M events and 100,000 in the recent tier:
    /// about 14 rows rewritten per event, where two tiers rewrote 100.
    static func midRows(recentRows: Int, total: Int) -> Int {
        max(4 * recentRows, Int(Double(2 * recentRows).squareRoot() * Double(max(0, total)).squareRoot()))
    }

    /// Inside the write transaction, after `added` rows went into the recent tier: moves full
    /// tiers down. `total` is about how many rows all three hold (only the policy reads it).
    /// Returns whether the recent tier moved (and is now empty).
    @discardableResult
    func settle(added: Int, total: Int, db: Database) throws -> Bool {
        var now: (recent: Int, mid: Int)
        if let known = counts.withLock({ $0 }) {
            now = (known.recent + added, known.mid)
        } else {
            now = try count(db)  // already holds the `added` rows
        }
        let moves = now.recent >= recentRows
        if moves {
            let midRows = Self.midRows(recentRows: recentRows, total: total)
            if now.mid == 0 && total - now.recent < midRows {
                // The main tier is no larger than the middle one may grow: moving into it
                // rewrites no more, and each row moves once instead of twice.
                try moveRecent(into: name, db: db)
                now.recent = 0
            } else {
                try moveRecent(into: mid, db: db)
                now = (0, now.mid + now.recent)
                if now.mid >= midRows {
                    try move(from: mid, into: name, db: db)
                    now.mid = 0
                }
            }
        }
        counts.withLock { $0 = now }
        return moves
    }

    /// After a rolled-back write: the tiers' rows are counted again by the next one.
    func forgetCounts() { counts.withLock { $0 = nil } }

    /// Both tables share one key order, so this reads `source` in the order `target` wants its
    /// inserts: each page of `target` is touched once per move.
    private func move(from source: String, into target: String, db: Database) throws {
        try db.execute(sql: "INSERT INTO \(target) (\(columns)) SELECT \(columns) FROM \(source) ORDER BY \(order)")
        try db.execute(sql: "DELETE FROM \(source)")
    }

    /// A recent tier in events is sorted here, once per move, instead of by a B-tree per insert.
    private func moveRecent(into target: String, db: Database) throws {
        guard recentFromEvents != nil else { return try move(from: recent, into: target, db: db) }
        try db.execute(sql: "INSERT INTO \(target) (\(columns)) \(recentRowsSQL) ORDER BY \(order)")
        try db.execute(sql: "UPDATE \(recentAfter) SET id = (SELECT coalesce(max(id), 0) FROM events)")
    }

    private func count(_ db: Database) throws -> (recent: Int, mid: Int) {
        let recentCount = "SELECT COUNT(*) FROM " + (recentFromEvents == nil ? recent : recentEvents)
        return (try Int.fetchOne(db, sql: recentCount) ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(mid)") ?? 0)
    }
}
