// IPNetwork: an IPv4 or IPv6 address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`), as
// `server.trusted_proxies` lists them, and the address parsing it needs.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as its bytes (4 or 16); IPv4-mapped IPv6 addresses
/// (`::ffff:10.0.0.1`) are read as the IPv4 address.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), network order.
    public let bytes: [UInt8]

    /// Parses a textual address (`203.0.113.9`, `2001:db8::1`); nil when it is not one.
    /// A zone (`fe80::1%eth0`) is ignored.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        if text.utf8.contains(UInt8(ascii: ":")) {
            var address = in6_addr()
            guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                self.bytes = Array(bytes[12...])
            } else {
                self.bytes = bytes
            }
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
            self.bytes = withUnsafeBytes(of: &address) { Array($0) }
        }
    }

    /// True for an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    /// The address in its canonical text form (`2001:db8::1`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok, let end = buffer.firstIndex(of: 0) else { return "?" }
        return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address range in CIDR notation: `10.0.0.0/8`, `2001:db8::/32`, or one address (`/32`
/// or `/128` implied).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The range's first address (bits past the prefix are zero).
    public let address: IPAddress
    /// Leading bits that must match: 0...32 (IPv4) or 0...128 (IPv6).
    public let prefixLength: Int

    /// Parses `ADDRESS/PREFIX` or `ADDRESS`; nil when it is not one, or the prefix is out of
    /// range. Host bits past the prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        let prefix: Int
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), (0...bits).contains(parsed) else { return nil }
            prefix = parsed
        } else {
            prefix = bits
        }
        var bytes = address.bytes
        for index in bytes.indices {
            let keep = max(0, min(8, prefix - index * 8))
            bytes[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        guard let masked = IPAddress(bytes: bytes) else { return nil }
        self.address = masked
        self.prefixLength = prefix
    }

    /// Whether `candidate` is in the range (an IPv4 address is never in an IPv6 range, and
    /// the other way round).
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.bytes.count == address.bytes.count else { return false }
        for index in address.bytes.indices {
            let keep = max(0, min(8, prefixLength - index * 8))
            if keep == 0 { return true }
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
            if candidate.bytes[index] & mask != address.bytes[index] { return false }
        }
        return true
    }

    /// `ADDRESS/PREFIX`.
    public var description: String { "\(address)/\(prefixLength)" }
}

extension IPAddress {
    /// An address of 4 or 16 bytes; nil for another length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }
}
