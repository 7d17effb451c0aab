// Deterministic sampling for `filter`: a user's place in [0, 1) from a stable hash of its
// user_id, the same on every node, in every run and for every rule.

/// Where a user falls in [0, 1) for `sample: RATE` (kept when below the rate).
enum FilterSampling {
    /// `StableHash` (FNV-1a with a Murmur3 finish, fixed, not `Hasher`'s per-process seed) of
    /// the user id's UTF-8 bytes, its top 53 bits as a fraction. So a user is kept or dropped
    /// alike everywhere, and one kept at a rate is kept at every higher rate.
    static func position(of userID: String) -> Double {
        var hash = StableHash()
        hash.add(userID.utf8)
        return Double(UInt64(bitPattern: hash.value) >> 11) * 0x1p-53
    }

    /// Whether a user is kept at `rate` (0 keeps none, 1 keeps all).
    static func keeps(_ userID: String, rate: Double) -> Bool {
        position(of: userID) < rate
    }
}
