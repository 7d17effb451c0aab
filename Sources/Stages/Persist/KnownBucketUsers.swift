// KnownBucketUsers: the bucket-user pairs this process has seen committed, so a store skips
// sending or probing rollup_bucket_user_keys for a user it already counted in a bucket.
// Owns only the memory; the table stays the truth.

import Synchronization

/// `BucketUserKey`s of pairs known to be counted in the store. Valid with any number of
/// writers: a key is remembered only after a transaction that inserted the pair, or found it
/// there, has committed, and nothing deletes pairs. Repeat users in the current hour and day
/// are the common case, and each of their events would otherwise cost up to four index probes.
final class KnownBucketUsers: Sendable {
    /// About 32 MB at most; past it the set starts over (the table still answers).
    static let limit = 2_000_000
    let keys = Mutex<Set<Int64>>([])

    /// The keys not known to be stored.
    func unknown(_ candidates: [Int64]) -> [Int64] { unknown(candidates) { $0 } }

    /// The items whose `key` is not known to be stored.
    func unknown<Item: Sendable>(_ items: [Item], key: (Item) -> Int64) -> [Item] {
        keys.withLock { known in items.filter { !known.contains(key($0)) } }
    }

    /// Forgets every key and its memory (the table still answers).
    func forget() { keys.withLock { $0 = [] } }

    /// Call only after the transaction that stored `committed` has committed.
    func remember(_ committed: [Int64]) {
        keys.withLock { known in
            if known.count + committed.count > Self.limit { known.removeAll(keepingCapacity: true) }
            known.formUnion(committed)
        }
    }
}
