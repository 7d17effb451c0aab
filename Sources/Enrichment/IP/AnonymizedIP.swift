// AnonymizedIP: a client address with its host part cleared (IPv4 to its /24, IPv6 to its
// /48), what the `ip` enrichment step keeps when told to anonymize.

public import PipelineKit

extension IPAddress {
    /// Bits kept by `anonymized`: 24 of an IPv4 address, 48 of an IPv6 one (what Google
    /// Analytics and Matomo keep; enough for a country, not for a household).
    public var anonymizedPrefixLength: Int { isIPv4 ? 24 : 48 }

    /// The address with every bit past `anonymizedPrefixLength` cleared
    /// (`203.0.113.77` → `203.0.113.0`, `2001:db8:1:2::5` → `2001:db8:1::`).
    public var anonymized: IPAddress {
        var bytes = self.bytes
        for index in (anonymizedPrefixLength / 8)..<bytes.count { bytes[index] = 0 }
        return IPAddress(bytes: bytes) ?? self
    }
}
