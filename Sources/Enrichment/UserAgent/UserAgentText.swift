// UserAgentText: the bytes of a User-Agent string the parser reads (a bounded prefix), with
// the byte classes, literal comparisons and allocation-free version strings its rules share.

/// A run of bytes in a `UserAgentText`, from `start` up to but not including `end`.
struct ByteSpan {
    var start: Int
    var end: Int

    /// The span of no bytes, before any word.
    static let none = ByteSpan(start: 0, end: 0)
}

/// The first `UserAgent.scannedByteLimit` bytes of a User-Agent string, cut back to the
/// start of a character so that a cached prefix and the whole string parse alike.
struct UserAgentText {
    let bytes: UnsafeBufferPointer<UInt8>

    init(prefixOf bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = UnsafeBufferPointer(rebasing: bytes[..<Self.prefixLength(of: bytes)])
    }

    /// How many of `bytes` are read: all of them up to the limit, else the limit cut back
    /// past UTF-8 continuation bytes to where a character starts.
    static func prefixLength(of bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard bytes.count > UserAgent.scannedByteLimit else { return bytes.count }
        var length = UserAgent.scannedByteLimit
        while length > 0, bytes[length] & 0xC0 == 0x80 { length -= 1 }
        return length
    }

    var count: Int { bytes.count }

    subscript(index: Int) -> UInt8 { bytes[index] }

    /// Whether `literal` (ASCII; lowercase when `foldingCase`) stands at `start`, comparing
    /// ASCII letters without case when `foldingCase`.
    func has(_ literal: StaticString, at start: Int, foldingCase: Bool = false) -> Bool {
        has(literal, at: start, foldingCase: foldingCase, length: nil)
    }

    /// Whether the bytes of `span` are exactly `literal`.
    func span(_ span: ByteSpan, is literal: StaticString) -> Bool {
        has(literal, at: span.start, foldingCase: false, length: span.end - span.start)
    }

    /// `has(_:at:foldingCase:)`, and when `length` is given, whether the literal has that
    /// many bytes. (A one-character `StaticString` may hold a scalar rather than a pointer,
    /// so its length is read only through `withUTF8Buffer`.)
    private func has(_ literal: StaticString, at start: Int, foldingCase: Bool, length: Int?) -> Bool {
        literal.withUTF8Buffer { pattern in
            guard start >= 0, pattern.count <= count - start, length == nil || length == pattern.count else { return false }
            for offset in 0..<pattern.count {
                let byte = bytes[start + offset]
                guard (foldingCase ? byte.asciiLowercased : byte) == pattern[offset] else { return false }
            }
            return true
        }
    }

    /// The offset of the first `byte` in `span`, or nil.
    func firstIndex(of byte: UInt8, in span: ByteSpan) -> Int? {
        var index = span.start
        while index < span.end {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// The version that starts at `start`: up to `parts` runs of digits separated by `.` or
    /// `_`, written with `.`, padded with `.0` up to `padding` parts when there are at least
    /// two. Nil when no digit stands at `start` or a part is implausibly long (more than 6
    /// digits in a two-part version, 4 in a longer one), so the string always fits Swift's
    /// 15-byte inline representation and is never allocated.
    func version(at start: Int, parts: Int, padding: Int = 0) -> String? {
        let maxParts = min(parts, 3)
        let maxDigits = maxParts <= 2 ? 6 : 4
        let text = String(unsafeUninitializedCapacity: 15) { output in
            var written = 0
            var index = start
            var partsRead = 0
            while partsRead < maxParts, index < count, bytes[index].isASCIIDigit {
                if partsRead > 0 {
                    output[written] = UInt8(ascii: ".")
                    written += 1
                }
                var digits = 0
                while index < count, bytes[index].isASCIIDigit {
                    guard digits < maxDigits else { return 0 }
                    output[written] = bytes[index]
                    written += 1
                    digits += 1
                    index += 1
                }
                partsRead += 1
                guard index + 1 < count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "_"),
                    bytes[index + 1].isASCIIDigit
                else { break }
                index += 1
            }
            while partsRead >= 2, partsRead < min(padding, 3) {
                output[written] = UInt8(ascii: ".")
                output[written + 1] = UInt8(ascii: "0")
                written += 2
                partsRead += 1
            }
            return written
        }
        return text.isEmpty ? nil : text
    }
}

extension UInt8 {
    /// Whether the byte is an ASCII digit.
    var isASCIIDigit: Bool { self &- UInt8(ascii: "0") < 10 }

    /// Whether the byte is an ASCII letter of either case.
    var isASCIILetter: Bool { (self | 0x20) &- UInt8(ascii: "a") < 26 }

    /// The byte with an ASCII capital made lowercase; any other byte as it is.
    var asciiLowercased: UInt8 { self &- UInt8(ascii: "A") < 26 ? self | 0x20 : self }

    /// Whether the byte ends a word of a User-Agent string: space, tab, brackets, `;`, `,`
    /// and `+` (which starts a bot's contact URL).
    var isUserAgentDelimiter: Bool {
        switch self {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ";"),
            UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "+"):
            true
        default: false
        }
    }
}
