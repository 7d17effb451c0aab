// UUIDv7: ids for events that arrive without one (RFC 9562 §5.7): 48 bits of Unix
// milliseconds, then random bits, so ids sort by time as posthog-js's own do.

public import PipelineKit

/// Generates UUIDv7 text.
public enum UUIDv7 {
    /// A UUIDv7 for the instant `time` (milliseconds kept), random bits from `generator`, as
    /// lowercase `xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx`. Cost: two random words, 36 bytes.
    public static func string(at time: Timestamp, using generator: inout some RandomNumberGenerator) -> String {
        let millis = UInt64(bitPattern: time.microseconds / 1000) & 0xFFFF_FFFF_FFFF
        let randomA = generator.next() as UInt64
        let randomB = generator.next() as UInt64
        let high = millis << 16 | 0x7000 | (randomA & 0x0FFF)
        let low = (randomB & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        let digits = Array("0123456789abcdef".utf8)
        for nibble in 0..<32 {
            if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 { bytes.append(UInt8(ascii: "-")) }
            let word = nibble < 16 ? high : low
            let shift = UInt64(60 - (nibble % 16) * 4)
            bytes.append(digits[Int((word >> shift) & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A UUIDv7 for `time` from the system's random source.
    public static func string(at time: Timestamp) -> String {
        var generator = SystemRandomNumberGenerator()
        return string(at: time, using: &generator)
    }
}
