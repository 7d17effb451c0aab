// BucketUserKey: the 64-bit key of one (interval, bucket, event name, user) pair. The
// embedded store keeps it in its per-bucket user sets, so it never changes; both stores use
// it to remember which pairs are committed (KnownBucketUsers).

/// FNV-1a over the fields (separated by 0xFF, a byte UTF-8 never contains) with a
/// MurmurHash3 finalizer for avalanche. Stable across processes and builds, unlike `Hasher`.
enum BucketUserKey {
    static func make(interval: String, bucket: Int64, eventName: String, userID: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ byte: UInt8) {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        for byte in interval.utf8 { mix(byte) }
        mix(0xFF)
        for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: UInt64(bitPattern: bucket) >> UInt64(shift))) }
        for byte in eventName.utf8 { mix(byte) }
        mix(0xFF)
        for byte in userID.utf8 { mix(byte) }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return Int64(bitPattern: hash)
    }
}
