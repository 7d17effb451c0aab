// LZString: the decompressor of lz-string's `compressToBase64` (posthog-js's `compression=lz64`),
// written from the algorithm: an LZW variant over UTF-16 code units whose codes are read
// little-end-first from 6-bit base64 characters, the code width growing as the dictionary does.
// Dictionary entries are kept as ranges of the output (each entry is a previous output piece
// plus the next unit), so memory is the output plus two integers a code, whatever the input.

/// Decompresses lz-string's base64 form.
public enum LZString {
    /// The UTF-8 bytes of the text `LZString.compressToBase64` made `input` from. Characters
    /// outside the base64 alphabet read as zero, as in lz-string; surrogate pairs become one
    /// code point and a lone surrogate U+FFFD. Stops with `tooLarge` as soon as the UTF-8 output
    /// would pass `limits.outputLimit(forInput:)`; working memory is at most about twice that
    /// plus 8 bytes a code. `malformed` for a code that is not in the dictionary or an input
    /// that ends before its end-of-stream code.
    public static func decompressFromBase64(_ input: some Collection<UInt8>, limits: WireBodyLimits) throws(WireDecodingError) -> [UInt8] {
        let result = input.withContiguousStorageIfAvailable { decompress($0, limits: limits) }
        return try (result ?? Array(input).withUnsafeBufferPointer { decompress($0, limits: limits) }).get()
    }

    /// Each base64 character's value; other bytes read as 0 (JavaScript's `undefined & x`).
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    /// Reads codes from the 6-bit characters, lowest bit first.
    private struct BitReader {
        let input: UnsafeBufferPointer<UInt8>
        /// The index of the character after the current one; lz-string's `data.index`.
        var index = 1
        var value: UInt32
        var position: UInt32 = 32

        init(_ input: UnsafeBufferPointer<UInt8>) {
            self.input = input
            value = input.isEmpty ? 0 : UInt32(LZString.values[Int(input[0])])
        }

        mutating func read(_ bits: Int) -> Int {
            var result = 0
            for bit in 0..<bits {
                if value & position != 0 { result |= 1 << bit }
                position >>= 1
                if position == 0 {
                    position = 32
                    value = index < input.count ? UInt32(LZString.values[Int(input[index])]) : 0
                    index += 1
                }
            }
            return result
        }
    }

    static func decompress(_ input: UnsafeBufferPointer<UInt8>, limits: WireBodyLimits) -> Result<[UInt8], WireDecodingError> {
        // Ranges are 32-bit: no limit past 2 GiB.
        let limit = min(limits.outputLimit(forInput: input.count), Int(Int32.max) / 2)
        guard !input.isEmpty else { return .failure(WireDecodingError(.malformed, "lz64: the body is empty; expected lz-string base64 text")) }
        var reader = BitReader(input)
        var units: [UInt16] = []
        var utf8Count = 0
        // Entries 0, 1, 2 are the literal-8, literal-16 and end codes; an entry is a range of `units`.
        var starts: [Int32] = [0, 0, 0]
        var lengths: [Int32] = [0, 0, 0]
        var enlargeIn = 4
        var numBits = 3

        func append(_ start: Int, _ count: Int) -> Bool {
            for offset in 0..<count {
                let unit = units[start + offset]
                utf8Count += unit < 0x80 ? 1 : unit < 0x800 || (unit >= 0xD800 && unit < 0xE000) ? 2 : 3
                units.append(unit)
            }
            return utf8Count <= limit
        }
        func literal(_ bits: Int) -> Int {
            let unit = UInt16(truncatingIfNeeded: reader.read(bits))
            starts.append(Int32(truncatingIfNeeded: units.count))
            lengths.append(1)
            units.append(unit)
            utf8Count += unit < 0x80 ? 1 : unit < 0x800 || (unit >= 0xD800 && unit < 0xE000) ? 2 : 3
            return starts.count - 1
        }

        switch reader.read(2) {
        case 0: _ = literal(8)
        case 1: _ = literal(16)
        case 2: return .success([])
        default: return .failure(WireDecodingError(.malformed, "lz64: the stream starts with code 3; expected 0 or 1 (a literal) or 2 (the end)"))
        }
        var previous = (start: 0, count: 1)
        while true {
            guard reader.index <= input.count else {
                return .failure(
                    WireDecodingError(
                        .malformed, "lz64: the input ends after \(input.count) characters without its end code; expected a complete lz-string stream")
                )
            }
            var code = reader.read(numBits)
            var pieceStart: Int
            var pieceCount: Int
            switch code {
            case 0, 1:
                code = literal(code == 0 ? 8 : 16)
                enlargeIn -= 1
                if enlargeIn == 0 {
                    enlargeIn = 1 << numBits
                    numBits += 1
                }
                (pieceStart, pieceCount) = (Int(starts[code]), 1)
            case 2:
                let text = UTF16Text.utf8(units, capacity: utf8Count)
                return text.count <= limit ? .success(text) : .failure(limits.tooLarge("lz64 body", inputCount: input.count, limit: limit))
            default:
                if enlargeIn == 0 {
                    enlargeIn = 1 << numBits
                    numBits += 1
                }
                if code < starts.count {
                    pieceStart = units.count
                    pieceCount = Int(lengths[code])
                    guard append(Int(starts[code]), pieceCount) else { return .failure(limits.tooLarge("lz64 body", inputCount: input.count, limit: limit)) }
                } else if code == starts.count {
                    // The entry being defined: the previous piece plus its own first unit.
                    pieceStart = units.count
                    pieceCount = previous.count + 1
                    guard append(previous.start, previous.count), append(previous.start, 1) else {
                        return .failure(limits.tooLarge("lz64 body", inputCount: input.count, limit: limit))
                    }
                } else {
                    return .failure(
                        WireDecodingError(
                            .malformed,
                            "lz64: code \(code) near character \(reader.index) is not in the dictionary of \(starts.count) entries; expected a valid lz-string stream"
                        ))
                }
            }
            guard utf8Count <= limit else { return .failure(limits.tooLarge("lz64 body", inputCount: input.count, limit: limit)) }
            // The new entry: the previous piece followed by this piece's first unit, which sits
            // right after it in the output.
            starts.append(Int32(truncatingIfNeeded: previous.start))
            lengths.append(Int32(truncatingIfNeeded: previous.count + 1))
            enlargeIn -= 1
            previous = (pieceStart, pieceCount)
            if enlargeIn == 0 {
                enlargeIn = 1 << numBits
                numBits += 1
            }
        }
    }
}
