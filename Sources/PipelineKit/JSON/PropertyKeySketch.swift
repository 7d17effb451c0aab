// PropertyKeySketch: which top-level keys an object's text may have, noted by the ingest
// parser while it validates the properties anyway. `enrich`'s default `drop` step asks every
// event whether it has one of a few keys; walking the text again for that answer cost the
// ingest path about 6 % of the daemon's CPU.

/// A Bloom filter of an object's top-level keys: 128 bits, two per key. Invariant: it never
/// answers "absent" for a key the object has; "may be present" can be wrong (about 2 % of
/// the time for one candidate against ten keys), and the caller then looks at the text.
/// Keys are hashed as their bytes between the quotes; a key written with an escape has
/// other bytes than its value, so it makes the sketch answer "may be present" for anything.
package struct PropertyKeySketch: Sendable, Hashable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    package init() {}

    /// Notes the key whose text between the quotes is `raw` (escapes not decoded).
    mutating func insert(raw: UnsafeBufferPointer<UInt8>) {
        if raw.contains(UInt8(ascii: "\\")) {
            setAll()
        } else {
            set(Self.hash(raw))
        }
    }

    /// Whether the object may have the top-level key whose (decoded) UTF-8 bytes are `key`.
    package func mayContain(_ key: [UInt8]) -> Bool {
        mayContain(hash: key.withUnsafeBufferPointer { Self.hash($0) })
    }

    /// `mayContain(_:)` for a key given as a string, without copying its bytes.
    package func mayContain(key: String) -> Bool {
        var key = key
        return mayContain(hash: key.withUTF8 { Self.hash($0) })
    }

    private func mayContain(hash: UInt64) -> Bool {
        var probe = PropertyKeySketch()
        probe.set(hash)
        return probe.low & low == probe.low && probe.high & high == probe.high
    }

    mutating func setAll() {
        low = .max
        high = .max
    }

    mutating func set(_ hash: UInt64) {
        set(bit: hash & 127)
        set(bit: (hash >> 7) & 127)
    }

    private mutating func set(bit: UInt64) {
        if bit < 64 { low |= 1 << bit } else { high |= 1 << (bit - 64) }
    }

    /// Eight bytes at a time (keys are short), mixed with a multiply; the length goes in the
    /// seed so that trailing zero bytes still count.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        while offset < bytes.count {
            var word: UInt64 = 0
            if let whole = ByteScan.word(bytes, at: offset) {
                word = whole
            } else {
                for (shift, byte) in bytes[offset...].enumerated() { word |= UInt64(byte) << (8 * UInt64(shift)) }
            }
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            offset += 8
        }
        return hash &* 0x94D0_49BB_1331_11EB
    }
}
