// CESU8: posthog-js's UTF-8 that encodes each UTF-16 code unit on its own, so a character
// outside the BMP arrives as two 3-byte surrogate sequences (`ED A0..AF xx ED B0..BF xx`).
// Rewritten here into standard UTF-8 before the JSON parser (which, rightly, refuses them).

/// Turns CESU-8 surrogate sequences into standard UTF-8.
public enum CESU8 {
    /// `bytes` with every surrogate pair (`ED A0..AF xx` then `ED B0..BF xx`) joined into the
    /// 4-byte UTF-8 of its code point, and every lone surrogate sequence replaced by U+FFFD
    /// (`EF BF BD`), as a browser's `TextDecoder` does. Other bytes, valid UTF-8 or not, are
    /// left for the JSON parser to judge. Returns nil when there is no surrogate sequence (the
    /// common case, found by one scan and no copy). The output is never longer than the input.
    public static func repaired(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        let result = bytes.withContiguousStorageIfAvailable { repaired($0) }
        return result ?? Array(bytes).withUnsafeBufferPointer { repaired($0) }
    }

    static func repaired(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let first = firstSurrogate(in: input, from: 0) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: input[0..<first]))
        var index = first
        while index < input.count {
            guard let next = firstSurrogate(in: input, from: index) else {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: input[index...]))
                break
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<next]))
            let high = surrogate(input, next)
            if high < 0xDC00, next + 6 <= input.count, isSurrogateStart(input, next + 3) {
                let low = surrogate(input, next + 3)
                if low >= 0xDC00 {
                    let scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    output.append(UInt8(0xF0 | scalar >> 18))
                    output.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
                    output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
                    output.append(UInt8(0x80 | scalar & 0x3F))
                    index = next + 6
                    continue
                }
            }
            output.append(contentsOf: [0xEF, 0xBF, 0xBD])
            index = next + 3
        }
        return output
    }

    /// The offset of the next complete 3-byte surrogate sequence at or after `start`.
    private static func firstSurrogate(in input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index + 3 <= input.count {
            if input[index] == 0xED, isSurrogateStart(input, index) { return index }
            index += 1
        }
        return nil
    }

    /// Whether `ED A0..BF 80..BF` starts at `index` (which the caller keeps 3 bytes from the end).
    private static func isSurrogateStart(_ input: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        input[index] == 0xED && input[index + 1] >= 0xA0 && input[index + 1] <= 0xBF && input[index + 2] & 0xC0 == 0x80
    }

    /// The UTF-16 unit (0xD800...0xDFFF) that the sequence at `index` encodes.
    private static func surrogate(_ input: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt32 {
        0xD000 | UInt32(input[index + 1] & 0x3F) << 6 | UInt32(input[index + 2] & 0x3F)
    }
}
