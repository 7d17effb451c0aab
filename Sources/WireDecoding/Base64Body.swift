// Base64Body: base64 text to bytes, as PostHog's SDKs send it (posthog-js's `data=` field,
// plain base64 bodies). Lenient where senders differ, strict where bytes would be guessed.

/// Decodes base64 as SDKs send it.
public enum Base64Body {
    /// Decodes standard (`+/`) or URL-safe (`-_`) base64. Padding is optional; line breaks
    /// are skipped; a space reads as `+` (a form decoder turns an unescaped `+` into one).
    /// Anything else, or a length that leaves a single dangling character, is `malformed`
    /// with the offset of the first bad character. Cost: one pass; the output (three bytes per
    /// four characters) is never larger than the input.
    public static func decode(_ text: some Collection<UInt8>) throws(WireDecodingError) -> [UInt8] {
        let result = text.withContiguousStorageIfAvailable { decode($0) }
        return try (result ?? Array(text).withUnsafeBufferPointer { decode($0) }).get()
    }

    static func decode(_ text: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], WireDecodingError> {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var pending = 0
        var padding = 0
        for offset in 0..<text.count {
            let byte = text[offset]
            let value = sextet[Int(byte)]
            if value < 64 {
                guard padding == 0 else { return .failure(bad("data after '=' padding", offset)) }
                accumulator = accumulator << 6 | UInt32(value)
                pending += 1
                if pending == 4 {
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                    output.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator = 0
                    pending = 0
                }
            } else if byte == UInt8(ascii: "=") {
                padding += 1
                guard pending >= 2, pending + padding <= 4 else { return .failure(bad("misplaced '=' padding", offset)) }
            } else if byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") {
                return .failure(bad("character 0x\(String(byte, radix: 16)) is not base64", offset))
            }
        }
        switch pending {
        case 0: break
        case 2: output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            return .failure(
                WireDecodingError(.malformed, "base64 ends with a single dangling character (\(text.count) characters); expected complete groups of 2 to 4"))
        }
        return .success(output)
    }

    private static func bad(_ what: String, _ offset: Int) -> WireDecodingError {
        WireDecodingError(.malformed, "base64: \(what) at offset \(offset); expected A-Z a-z 0-9 + / (or - _) and '=' padding")
    }

    /// Each byte's 6-bit value, or 255 for bytes outside both alphabets.
    private static let sextet: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        table[Int(UInt8(ascii: " "))] = 62
        return table
    }()
}
