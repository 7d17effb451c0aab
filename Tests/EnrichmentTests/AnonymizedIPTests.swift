import Enrichment
import PipelineKit
import Testing

@Suite struct AnonymizedIPTests {
    @Test(arguments: [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.255", "10.1.2.0"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("2001:db8:1:2::5", "2001:db8:1::"),
        ("2001:db8:abcd:ffff:1:2:3:4", "2001:db8:abcd::"),
        ("::1", "::"),
    ])
    func clearsTheHostPart(address: String, expected: String) throws {
        let parsed = try #require(IPAddress(address))
        #expect(parsed.anonymized.description == expected)
    }
}
