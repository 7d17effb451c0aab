// UTF16Text: UTF-16 code units (what lz-string decompresses to) as UTF-8 bytes, surrogate
// pairs joined and lone surrogates replaced, as a browser's TextEncoder would.

/// UTF-16 to UTF-8 for the decoders that work in code units.
enum UTF16Text {
    /// The UTF-8 of `units`; a pair of surrogates becomes one 4-byte code point, a lone
    /// surrogate U+FFFD. `capacity` is a size hint.
    static func utf8(_ units: [UInt16], capacity: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(capacity)
        var index = 0
        while index < units.count {
            let unit = UInt32(units[index])
            index += 1
            var scalar = unit
            if unit >= 0xD800, unit < 0xE000 {
                if unit < 0xDC00, index < units.count, units[index] >= 0xDC00, units[index] < 0xE000 {
                    scalar = 0x10000 + ((unit - 0xD800) << 10) + (UInt32(units[index]) - 0xDC00)
                    index += 1
                } else {
                    scalar = 0xFFFD
                }
            }
            switch scalar {
            case ..<0x80:
                output.append(UInt8(scalar))
            case ..<0x800:
                output.append(UInt8(0xC0 | scalar >> 6))
                output.append(UInt8(0x80 | scalar & 0x3F))
            case ..<0x10000:
                output.append(UInt8(0xE0 | scalar >> 12))
                output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
                output.append(UInt8(0x80 | scalar & 0x3F))
            default:
                output.append(UInt8(0xF0 | scalar >> 18))
                output.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
                output.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
                output.append(UInt8(0x80 | scalar & 0x3F))
            }
        }
        return output
    }
}
