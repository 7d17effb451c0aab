// StableHash: FNV-1a with MurmurHash3's finalizer for avalanche, the 64-bit hash of the keys
// the stores keep (BucketUserKey, EventIDHash). Stable across processes and builds, unlike
// `Hasher`: a change to it needs a migration of every stored key.

struct StableHash {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always) mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { add(byte) }
    }

    var value: Int64 {
        var hash = state
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return Int64(bitPattern: hash)
    }
}
