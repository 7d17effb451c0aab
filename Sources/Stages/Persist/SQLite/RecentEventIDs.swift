// RecentEventIDs: the index of the stored event ids' recent tier, in memory. Since migration
// 010 that tier is not a table: it is the events after the watermark in
// `event_ids_recent_after` (SQLiteKeyTiers with `recentFromEvents`), and this maps the hashes
// of their ids (EventIDHash) to their rows. Owns the map; touched only inside the store's write transactions
// (SQLiteStore+EventIDs.swift), which ask it first whether a new id is a recent repeat.
//
// Why: the recent tier was a WITHOUT ROWID table of random ids, and inserting into it was the
// writer's most expensive step: a B-tree seek comparing 36-byte keys per event, every page of
// the tier rewritten into the WAL by every write (a build that skipped it drained 1.4 times
// the events per second). A move now sorts the recent ids instead, once per 100,000
// (docs/performance.md has the figures, by commit).
//
// Invariant: once built, the map holds every event after the watermark, keyed by the
// EventIDHash of its id (two ids may share a hash: the map keeps one row, and the caller
// compares the ids). It is built from the events in the first write after the
// store opens, after a write that rolled back, and after the worker's idle release.

internal import GRDB
import Synchronization

final class RecentEventIDs: Sendable {
    private struct State {
        var rows: [Int64: Int64] = [:]
        var after: Int64 = 0
    }

    private let state = Mutex<State?>(nil)

    /// Inside a write transaction, before its lookups: builds the map from the events after the
    /// watermark in `tiers.recentAfter`, unless it is built.
    func prepare(_ db: Database, tiers: SQLiteKeyTiers) throws {
        guard state.withLock({ $0 == nil }) else { return }
        var fresh = State()
        fresh.after = try Int64.fetchOne(db, sql: "SELECT id FROM \(tiers.recentAfter)") ?? 0
        fresh.rows.reserveCapacity(tiers.recentRows)
        // The ids' bytes hashed here, not by the SQL function (a String per row).
        try SQLiteRawRows.forEach(db, sql: "SELECT id, event_id FROM \(tiers.recentEvents)") { row in
            let hash = EventIDHash.of(SQLiteRawRows.text(row, 1))
            if fresh.rows[hash] == nil { fresh.rows[hash] = SQLiteRawRows.integer(row, 0) }
        }
        state.withLock { $0 = fresh }
    }

    /// The hashes of the recent tier's ids (for the stored-id filter's build, which then need
    /// not read the recent events again). Empty until built.
    var hashes: [Int64] { state.withLock { $0.map { Array($0.rows.keys) } ?? [] } }

    /// The watermark: the recent tier is the events after this id.
    var after: Int64 { state.withLock { $0?.after ?? 0 } }

    /// The row of a recent event whose id has `hash`, if any; its id may differ.
    func row(hash: Int64) -> Int64? { state.withLock { $0?.rows[hash] } }

    /// Records an event the write inserted.
    func add(hash: Int64, row: Int64) {
        state.withLock { state in
            if state?.rows[hash] == nil { state?.rows[hash] = row }
        }
    }

    /// After the recent tier moved down in a write: it is empty, after `watermark`.
    func moved(after watermark: Int64) {
        state.withLock { state in state = State(rows: Dictionary(minimumCapacity: state?.rows.count ?? 0), after: watermark) }
    }

    /// Drops the map (a write rolled back, or the idle release); the next write builds it again.
    func forget() { state.withLock { $0 = nil } }
}
