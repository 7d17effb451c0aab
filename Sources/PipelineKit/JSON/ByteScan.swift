// ByteScan: eight bytes at a time, whether any byte of a word is one the caller must look at.
// The JSON string scanners and PostgreSQL's COPY escaper step over runs of plain text with
// it; a profile of each had its byte-at-a-time loop among the top entries.

/// Word-at-a-time byte tests (SWAR). Invariant: each test is exact as a whole: it is true if
/// and only if some byte of the word matches. Which byte is not told; the caller steps
/// through the word byte by byte when a test is true.
package enum ByteScan {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `offset`, or nil when fewer than eight remain.
    @inlinable public static func word(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64? {
        guard offset >= 0, offset <= bytes.count - 8, let base = bytes.baseAddress else { return nil }
        return UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
    }

    /// Whether some byte of `word` is below `limit`, which must be at most 0x80.
    @inlinable public static func hasByte(below limit: UInt8, in word: UInt64) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highs != 0
    }

    /// Whether some byte of `word` is `byte`.
    @inlinable public static func hasByte(_ byte: UInt8, in word: UInt64) -> Bool {
        let difference = word ^ (ones &* UInt64(byte))
        return (difference &- ones) & ~difference & highs != 0
    }

    /// Whether some byte of `word` is 0x80 or above (not ASCII).
    @inlinable public static func hasNonASCII(_ word: UInt64) -> Bool { word & highs != 0 }

    /// From `offset`, the end of the whole words that hold no quote, backslash or control
    /// byte (JSON string text that needs no decision), and whether one of them held a byte
    /// of 0x80 or above (UTF-8 the caller may still need to check).
    @inlinable public static func plainJSONStringEnd(_ bytes: UnsafeBufferPointer<UInt8>, from offset: Int) -> (end: Int, nonASCII: Bool) {
        var end = offset
        var nonASCII = false
        while let word = word(bytes, at: end), !hasByte(below: 0x20, in: word), !hasByte(UInt8(ascii: "\""), in: word),
            !hasByte(UInt8(ascii: "\\"), in: word)
        {
            nonASCII = nonASCII || hasNonASCII(word)
            end += 8
        }
        return (end, nonASCII)
    }
}

extension String {
    /// Whether the text holds U+0000 (NUL), which no store keeps. Scans the contiguous UTF-8
    /// bytes: `utf8.contains(0)` steps an iterator per byte, and validation asks this of
    /// every id of every event.
    package var containsNUL: Bool {
        utf8.withContiguousStorageIfAvailable { $0.contains(0) } ?? utf8.contains(0)
    }
}
