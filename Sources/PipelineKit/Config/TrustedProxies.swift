// TrustedProxies: `server.trusted_proxies`, and the client address it gives a request: the
// TCP peer, or the right-most untrusted `X-Forwarded-For` entry when the peer is a proxy we
// trust. Pure: the HTTP layer hands it the peer and the header.

/// The proxies whose `X-Forwarded-For` is believed (`server.trusted_proxies`).
public struct TrustedProxies: Sendable, Hashable {
    /// The trusted ranges; empty: no proxy is trusted, the peer is the client.
    public var networks: [IPNetwork]

    /// Trusts the proxies in `networks`.
    public init(_ networks: [IPNetwork] = []) { self.networks = networks }

    /// Whether `address` is one of the trusted proxies.
    public func trusts(_ address: IPAddress) -> Bool { networks.contains { $0.contains(address) } }

    /// The client's address for a request from `peer` carrying `forwardedFor` (every
    /// `X-Forwarded-For` header's value, in order).
    ///
    /// - An untrusted (or unknown) peer is the client; its header is ignored (anyone can send one).
    /// - A trusted peer: the entries are walked from the right (the hop nearest to us); the
    ///   first that is not a trusted proxy is the client. When every entry is trusted, the
    ///   left-most is.
    /// - An entry that is not an address (`unknown`, garbage, an obfuscated identifier) ends
    ///   the walk: the client is the last trusted hop before it, since nothing beyond it can
    ///   be believed.
    /// Entries may carry a port (`203.0.113.9:5000`, `[2001:db8::1]:443`); it is dropped.
    /// Returns the address in canonical form (the peer as given when no proxy is trusted), or
    /// nil when the peer is unknown.
    public func clientIP(peer: String?, forwardedFor: [String]) -> String? {
        guard let peerText = peer else { return nil }
        // No proxy trusted (the default): the peer as the server reported it, nothing parsed.
        guard !networks.isEmpty, let peerAddress = IPAddress(peerText) else { return peerText }
        guard trusts(peerAddress), !forwardedFor.isEmpty else { return peerAddress.description }
        let entries = forwardedFor.flatMap { $0.split(separator: ",") }
        var client = peerAddress
        for entry in entries.reversed() {
            guard let address = Self.address(ofEntry: entry) else { break }
            client = address
            if !trusts(address) { break }
        }
        return client.description
    }

    /// The address of one `X-Forwarded-For` entry, its port and surrounding spaces dropped.
    static func address(ofEntry entry: Substring) -> IPAddress? {
        let trimmed = entry.trimmingSpaces
        if trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") {
            return IPAddress(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
        }
        // One colon: IPv4 with a port. More: IPv6 without brackets (no port).
        if let colon = trimmed.firstIndex(of: ":"), trimmed[trimmed.index(after: colon)...].firstIndex(of: ":") == nil {
            return IPAddress(trimmed[..<colon])
        }
        return IPAddress(trimmed)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
