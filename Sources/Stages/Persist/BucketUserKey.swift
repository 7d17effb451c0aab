// BucketUserKey: the 64-bit key of one (interval, bucket, event name, user) pair. The
// embedded store keeps it in its per-bucket user sets, so it never changes; both stores use
// it to remember which pairs are committed (KnownBucketUsers).

/// StableHash of the fields, separated by 0xFF (a byte UTF-8 never contains).
enum BucketUserKey {
    static func make(interval: String, bucket: Int64, eventName: String, userID: String) -> Int64 {
        var hash = StableHash()
        hash.add(interval.utf8)
        hash.add(0xFF)
        for shift in stride(from: 0, to: 64, by: 8) { hash.add(UInt8(truncatingIfNeeded: UInt64(bitPattern: bucket) >> UInt64(shift))) }
        hash.add(eventName.utf8)
        hash.add(0xFF)
        hash.add(userID.utf8)
        return hash.value
    }
}
