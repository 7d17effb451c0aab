// URLParts: the host, path and query parameters of a page URL as browsers report it
// (`$current_url`, `$referrer`), read leniently from its bytes: what the `url` enrichment
// step derives `$host`, `$pathname`, UTM tags and click ids from.

/// The parts of an absolute URL that enrichment reads. Parsing never fails on odd input: a
/// text without `scheme://` has no host, and the rest is read as far as it makes sense.
///
/// Invariants: `host` is lowercased, without port, credentials or a trailing dot; only the
/// first `maxLength` bytes of the text and the first `maxParameters` query parameters are
/// read, so a hostile URL costs a bounded amount of work.
public struct URLParts: Sendable, Hashable {
    /// Bytes of the URL looked at; a longer URL is cut there (browsers cap URLs near 2 MB,
    /// analytics tools at a few KB).
    public static let maxLength = 4096
    /// Query parameters read; later ones are ignored.
    public static let maxParameters = 64

    /// `https`, lowercased; nil when the text has no `scheme://`.
    public var scheme: String?
    /// `shop.example.com`; nil when the text has no `scheme://` or an empty authority.
    public var host: String?
    /// `/products/12`; `/` when an absolute URL has no path; the text up to `?`/`#` when it
    /// has no scheme. Percent-escapes are kept as sent.
    public var path: String
    /// The query's parameters in order, names and values percent-decoded (`+` is a space).
    public var parameters: [(name: String, value: String)]

    /// Reads `text` (see the type's invariants).
    public init(_ text: some StringProtocol) {
        var text = String(text)
        // The contiguous bytes in one copy (the UTF-8 view's iterator goes byte by byte).
        var bytes = text.withUTF8 { Array($0.prefix(Self.maxLength)) }
        // Whitespace around a pasted URL.
        while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { bytes.removeLast() }
        var start = bytes.firstIndex { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) } ?? bytes.count
        let end = bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
        scheme = nil
        host = nil
        if let colon = Self.schemeEnd(bytes, from: start, to: end) {
            scheme = String(decoding: bytes[start..<colon].map(Self.lowercased), as: UTF8.self)
            start = colon + 3
            let authorityEnd = bytes[start..<end].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? end
            host = Self.host(bytes[start..<authorityEnd])
            start = authorityEnd
        }
        let queryStart = bytes[start..<end].firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = bytes[start..<(queryStart ?? end)]
        path = pathBytes.isEmpty && scheme != nil ? "/" : String(decoding: pathBytes, as: UTF8.self)
        parameters = queryStart.map { Self.parameters(bytes[($0 + 1)..<end]) } ?? []
    }

    /// The value of the first parameter named `name`, nil when there is none.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// The index of the `:` of a leading `scheme://` (letters, digits, `+-.`, starting with
    /// a letter), nil when there is none.
    private static func schemeEnd(_ bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var index = start
        while index < end, index - start < 32 {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") {
                guard index > start, index + 2 < end, bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") else { return nil }
                return index
            }
            let letter = lowercased(byte) >= UInt8(ascii: "a") && lowercased(byte) <= UInt8(ascii: "z")
            let other =
                (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            guard letter || (other && index > start) else { return nil }
            index += 1
        }
        return nil
    }

    /// The host of an authority (`user:pw@Shop.Example.com.:8080` → `shop.example.com`;
    /// `[2001:db8::1]:443` → `[2001:db8::1]`); nil when empty.
    private static func host(_ authority: ArraySlice<UInt8>) -> String? {
        var hostBytes = authority
        if let at = hostBytes.lastIndex(of: UInt8(ascii: "@")) { hostBytes = hostBytes[(at + 1)...] }
        if hostBytes.first == UInt8(ascii: "[") {
            if let close = hostBytes.firstIndex(of: UInt8(ascii: "]")) { hostBytes = hostBytes[...close] }
        } else if let colon = hostBytes.firstIndex(of: UInt8(ascii: ":")) {
            hostBytes = hostBytes[..<colon]
        }
        while hostBytes.last == UInt8(ascii: ".") { hostBytes = hostBytes.dropLast() }
        guard !hostBytes.isEmpty else { return nil }
        return String(decoding: hostBytes.map(lowercased), as: UTF8.self)
    }

    private static func parameters(_ query: ArraySlice<UInt8>) -> [(name: String, value: String)] {
        var found: [(name: String, value: String)] = []
        for pair in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).prefix(maxParameters) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = percentDecoded(pair[..<(equals ?? pair.endIndex)])
            let value = equals.map { percentDecoded(pair[($0 + 1)...]) } ?? ""
            guard !name.isEmpty else { continue }
            found.append((name: name, value: value))
        }
        return found
    }

    /// `%XX` escapes decoded and `+` read as a space; a malformed escape is kept as sent, and
    /// bytes that are not UTF-8 become U+FFFD.
    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
                continue
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of a hex digit (either case), nil for another byte.
    private static func hex(_ byte: UInt8) -> UInt8? {
        let digit = byte &- UInt8(ascii: "0")
        if digit < 10 { return digit }
        let letter = (byte | 0x20) &- UInt8(ascii: "a")
        return letter < 6 ? letter + 10 : nil
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// Equal when every part is (parameters compared in order).
    public static func == (lhs: URLParts, rhs: URLParts) -> Bool {
        lhs.scheme == rhs.scheme && lhs.host == rhs.host && lhs.path == rhs.path
            && lhs.parameters.elementsEqual(rhs.parameters) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Hashes every part.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        hasher.combine(host)
        hasher.combine(path)
        for parameter in parameters {
            hasher.combine(parameter.name)
            hasher.combine(parameter.value)
        }
    }
}
