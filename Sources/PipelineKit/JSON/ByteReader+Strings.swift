// ByteReader, strings: JSON string literals to Swift strings, with escapes, surrogate pairs
// and UTF-8 checked. Used by the value parser and by the skipping copier alike.

extension ByteReader {
    /// Reads a string starting at the opening quote. Runs without escapes are copied as-is
    /// (after UTF-8 validation); escapes are decoded, surrogate pairs joined.
    mutating func parseString() throws(Failure) -> String {
        index += 1
        let start = index
        // Fast path: no escapes, all printable.
        while true {
            _ = skipPlainStringWords()
            guard index < buffer.count else { break }
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: buffer[start..<index])
                index += 1
                return try decodeUTF8(slice, at: start)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        var bytes = [UInt8](UnsafeBufferPointer(rebasing: buffer[start..<index]))
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try bytes.withUnsafeBufferPointer { pointer throws(Failure) in try decodeUTF8(pointer, at: start) }
            case UInt8(ascii: "\\"):
                switch try escapeLetter() {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &bytes)
                case let escape: throw error("invalid escape '\\\(printable(escape))' in string", at: index - 2)
                }
            default:
                if byte < 0x20 { throw error("unescaped control character in string") }
                bytes.append(byte)
                index += 1
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Consumes a backslash and the letter after it; returns the letter.
    mutating func escapeLetter() throws(Failure) -> UInt8 {
        index += 1
        guard index < buffer.count else { throw error("unexpected end of input in string escape") }
        index += 1
        return buffer[index - 1]
    }

    mutating func appendUnicodeEscape(to bytes: inout [UInt8]) throws(Failure) {
        let escapeStart = index - 2
        var scalar = try readHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u") else {
                throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
            }
            index += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape", at: escapeStart) }
        UTF8.encode(unicode) { bytes.append($0) }
    }

    mutating func readHex4() throws(Failure) -> UInt32 {
        guard index + 4 <= buffer.count else { throw error("unexpected end of input in \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(Failure) -> String {
        // ASCII is always valid; only multi-byte runs need the validating decoder.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw error("invalid UTF-8 in string", at: offset)
        }
        return string
    }

    func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}

extension ByteReader {
    /// Steps over whole words of a string's body that hold no quote, backslash or control
    /// byte, so the byte loops only see the bytes that need a decision. Returns whether a
    /// skipped word held a byte of 0x80 or above (UTF-8 the caller may still need to check).
    mutating func skipPlainStringWords() -> Bool {
        let plain = ByteScan.plainJSONStringEnd(buffer, from: index)
        index = plain.end
        return plain.nonASCII
    }
}
