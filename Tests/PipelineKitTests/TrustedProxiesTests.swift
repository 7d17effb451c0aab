import PipelineKit
import Testing

/// `server.trusted_proxies` and the client address it gives: the peer, or the right-most
/// untrusted `X-Forwarded-For` entry behind trusted proxies.
@Suite struct TrustedProxiesTests {
    static let proxies = TrustedProxies(["10.0.0.0/8", "192.0.2.7", "fd00::/8"].compactMap { IPNetwork($0) })

    @Test(arguments: [
        // An untrusted peer is the client, whatever its header says.
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),
        ("2001:db8::5", ["198.51.100.1"], "2001:db8::5"),
        // A trusted peer without a header is the client.
        ("10.1.2.3", [], "10.1.2.3"),
        // One trusted proxy: the entry it appended.
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        // A chain of trusted proxies is skipped from the right; the spoofed left part is not read.
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1, 10.9.9.9", "192.0.2.7"], "198.51.100.1"),
        // Every entry trusted: the left-most.
        ("10.1.2.3", ["10.0.0.1, 10.0.0.2"], "10.0.0.1"),
        // IPv6 peer and entries, with and without brackets and ports; IPv4-mapped peers.
        ("fd00::1", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("fd00::1", ["2001:db8::8"], "2001:db8::8"),
        ("::ffff:10.0.0.5", ["198.51.100.2:5000"], "198.51.100.2"),
        // A malformed entry ends the walk at the last hop that could be believed.
        ("10.1.2.3", ["198.51.100.1, unknown"], "10.1.2.3"),
        ("10.1.2.3", ["198.51.100.1, garbage, 10.0.0.9"], "10.0.0.9"),
        ("10.1.2.3", [" , "], "10.1.2.3"),
        ("10.1.2.3", ["999.1.1.1"], "10.1.2.3"),
    ])
    func clientAddress(peer: String, forwardedFor: [String], expected: String) {
        #expect(Self.proxies.clientIP(peer: peer, forwardedFor: forwardedFor) == expected)
    }

    @Test func noTrustedProxiesMeansThePeerAndNoPeerMeansNil() {
        #expect(TrustedProxies().clientIP(peer: "10.1.2.3", forwardedFor: ["198.51.100.1"]) == "10.1.2.3")
        #expect(Self.proxies.clientIP(peer: nil, forwardedFor: ["198.51.100.1"]) == nil)
    }

    @Test func networksParseMaskAndMatchTheirFamilyOnly() throws {
        let v4 = try #require(IPNetwork("10.1.2.3/8"))
        #expect(v4.description == "10.0.0.0/8")
        #expect(v4.contains(try #require(IPAddress("10.255.0.1"))))
        #expect(!v4.contains(try #require(IPAddress("11.0.0.1"))))
        #expect(!v4.contains(try #require(IPAddress("::a00:1"))))
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:ffff::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db9::1"))))
        #expect(IPNetwork("0.0.0.0/0")?.contains(try #require(IPAddress("203.0.113.9"))) == true)
        #expect(IPNetwork("192.0.2.7")?.prefixLength == 32)
        for bad in ["", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/ 8", "example.com", "10.0.0/8", "1.2.3.4/8/9"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }
}
