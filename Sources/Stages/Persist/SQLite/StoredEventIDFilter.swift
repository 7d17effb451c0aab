// StoredEventIDFilter: an in-memory Bloom filter of the event ids the SQLite store holds, so
// a write looks an id up in the event-id tiers (SQLiteStore+EventIDs.swift) only when it may
// be stored. Owns its bits; touched only inside the store's write transactions.
//
// Why: every new event otherwise costs a B-tree seek in the middle and the main tier, and
// with random ids none of them finds anything. The filter answers "not stored" for about 96 %
// of new ids; a repeat (a redelivery, an SDK's retry) always gets "may be" and is looked up.
//
// Invariant: every id in the tiers is in the filter (it may hold more: ids of writes that
// rolled back). It is built from the tiers in the first write after the store opens, and
// built again, larger, once it holds more ids than it was sized for, and after the
// worker's idle release; until built it answers "may be" for every id.

internal import GRDB
import Synchronization

final class StoredEventIDFilter: Sendable {
    private struct State {
        var bits: [UInt64] = []
        var capacity = 0
        var count = 0
    }

    /// Bits per id it is sized for: with three bits in one word per id, about 4 % false
    /// positives when full.
    static let bitsPerID = 8
    /// The smallest filter: 1 MiB of bits.
    static let minimumCapacity = 1 << 20

    private let state = Mutex(State())

    /// Whether `id` may be stored: false only for an id the tiers do not hold.
    func mayContain(_ id: String) -> Bool { mayContain(hash: EventIDHash.of(id)) }

    /// `mayContain` for an id's EventIDHash, which a write computes once for every lookup.
    func mayContain(hash: Int64) -> Bool {
        state.withLock { state in
            guard state.capacity > 0 else { return true }
            let (word, mask) = Self.probe(hash, words: state.bits.count)
            return state.bits[word] & mask == mask
        }
    }

    /// Records an id a write adds to the tiers, by its EventIDHash.
    func insert(hash: Int64) {
        state.withLock { state in
            guard state.capacity > 0 else { return }
            Self.set(hash: hash, in: &state)
        }
    }

    /// Records an id a write adds to the tiers.
    func insert(_ id: String) { insert(hash: EventIDHash.of(id)) }

    /// Drops the bits (the worker's idle release: 1–3 MB per million stored events); the next
    /// write builds the filter again, and until then every id may be stored.
    func forget() { state.withLock { $0 = State() } }

    /// Inside a write transaction, before its lookups: builds the filter from the tiers when it
    /// is not built yet or has outgrown its size. `tiers` select the rows of the tiers in
    /// tables, the ids' hashes first (SQLiteKeyTiers.rowsBelowRecentSQL); `recent` gives the
    /// hashes of the recent tier's ids; `stored` is about how many ids there are in all.
    func prepare(_ db: Database, tiers: [String], recent: () -> [Int64] = { [] }, stored: Int) throws {
        let (built, full) = state.withLock { ($0.capacity > 0, $0.count > $0.capacity) }
        guard !built || full else { return }
        var fresh = State()
        // Room for half as many again before the next build: 12–24 bits per stored id when
        // built, 8 when full.
        fresh.capacity = max(Self.minimumCapacity, (stored + stored / 2).nextPowerOf2)
        fresh.bits = [UInt64](repeating: 0, count: fresh.capacity * Self.bitsPerID / 64)
        // Straight from SQLite's rows, no GRDB Row each (with 10M stored, the build is the
        // first write's whole delay).
        for sql in tiers {
            try SQLiteRawRows.forEach(db, sql: sql) { row in Self.set(hash: SQLiteRawRows.integer(row, 0), in: &fresh) }
        }
        for hash in recent() { Self.set(hash: hash, in: &fresh) }
        state.withLock { $0 = fresh }
    }

    private static func set(hash: Int64, in state: inout State) {
        let (word, mask) = probe(hash, words: state.bits.count)
        state.bits[word] |= mask
        state.count += 1
    }

    /// An id's three bits all lie in one 64-bit word (a blocked Bloom filter): a lookup or an
    /// insert touches one cache line, not three (with 10M ids the bits are 16 MB, and each
    /// probe was a cache miss on the writer). The word comes from the hash's low bits
    /// (`words` is a power of two), the three bits from its top 18.
    private static func probe(_ signed: Int64, words: Int) -> (word: Int, mask: UInt64) {
        let hash = UInt64(bitPattern: signed)
        let mask: UInt64 = 1 << (hash >> 46 & 63) | 1 << (hash >> 52 & 63) | 1 << (hash >> 58 & 63)
        return (Int(truncatingIfNeeded: hash) & (words - 1), mask)
    }
}

extension Int {
    /// The smallest power of two at least `self` (1 for 0 or less).
    fileprivate var nextPowerOf2: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
