import Enrichment
import Testing

@Suite struct URLPartsTests {
    @Test func readsHostPathAndQuery() {
        let url = URLParts("https://user:pw@Shop.Example.com.:8443/products/12?utm_source=news%20letter&utm_medium=email&q=a+b&empty=&flag#top")
        #expect(url.scheme == "https")
        #expect(url.host == "shop.example.com")
        #expect(url.path == "/products/12")
        #expect(url.parameter("utm_source") == "news letter")
        #expect(url.parameter("q") == "a b")
        #expect(url.parameter("empty") == "")
        #expect(url.parameter("flag") == "")
        #expect(url.parameter("top") == nil)
    }

    @Test(arguments: [
        ("https://example.com", "example.com", "/"),
        ("http://[2001:db8::1]:8080/x", "[2001:db8::1]", "/x"),
        ("HTTPS://EXAMPLE.COM?x=1", "example.com", "/"),
        ("  https://example.com/a  ", "example.com", "/a"),
        ("android-app://com.google.android.gm/", "com.google.android.gm", "/"),
    ])
    func hosts(text: String, host: String, path: String) {
        let url = URLParts(text)
        #expect(url.host == host)
        #expect(url.path == path)
    }

    @Test(arguments: ["", "not a url", "/relative/path?x=1", "mailto:someone@example.com", "https://", "://x", "%%%", "https://?#"])
    func oddTextHasNoHostAndDoesNotCrash(text: String) {
        let url = URLParts(text)
        #expect(url.host == nil)
    }

    @Test func malformedEscapesAreKeptAndWorkIsBounded() {
        #expect(URLParts("https://x.io/?a=%zz%4&b=%E2%9C%93").parameter("a") == "%zz%4")
        #expect(URLParts("https://x.io/?b=%E2%9C%93").parameter("b") == "✓")
        #expect(URLParts("https://x.io/?b=%FF").parameter("b") == "\u{FFFD}")
        let many = "https://x.io/?" + (0..<1000).map { "p\($0)=\($0)" }.joined(separator: "&")
        #expect(URLParts(many).parameters.count <= URLParts.maxParameters)
        let long = "https://x.io/" + String(repeating: "a", count: 100_000) + "?utm_source=late"
        let parts = URLParts(long)
        #expect(parts.path.utf8.count < URLParts.maxLength)
        #expect(parts.parameter("utm_source") == nil)
    }
}

@Suite struct ReferrerKindTests {
    @Test(
        arguments: [
            (nil, "shop.example.com", nil, ReferrerKind.direct),
            ("$direct", "shop.example.com", nil, .direct),
            (nil, "shop.example.com", "email", .email),
            ("shop.example.com", "shop.example.com", nil, .internal),
            ("www.shop.example.com", "shop.example.com", nil, .internal),
            ("checkout.example-pay.com", "shop.example.com", nil, .internal),
            ("www.google.com", "shop.example.com", nil, .search),
            ("www.google.co.uk", "shop.example.com", nil, .search),
            ("duckduckgo.com", "shop.example.com", nil, .search),
            ("www.bing.com", "shop.example.com", nil, .search),
            ("t.co", "shop.example.com", nil, .social),
            ("l.facebook.com", "shop.example.com", nil, .social),
            ("out.reddit.com", "shop.example.com", nil, .social),
            ("news.ycombinator.com", "shop.example.com", nil, .social),
            ("mail.google.com", "shop.example.com", nil, .email),
            ("outlook.live.com", "shop.example.com", nil, .email),
            ("blog.someone.dev", "shop.example.com", nil, .other),
            ("notgoogle.com", "shop.example.com", nil, .other),
        ] as [(String?, String?, String?, ReferrerKind)])
    func classifies(referrer: String?, current: String?, medium: String?, expected: ReferrerKind) {
        #expect(ReferrerKind.classify(referrerHost: referrer, currentHost: current, internalDomains: ["example-pay.com"], utmMedium: medium) == expected)
    }
}

@Suite struct KeyedHashTests {
    @Test func isHMACSHA256InHex() throws {
        // Python: hmac.new(b"0123456789abcdef", b"alice@example.com", "sha256").hexdigest()
        let hasher = try #require(KeyedHash(secret: "0123456789abcdef"))
        #expect(hasher.hash("alice@example.com") == "f3d6ddc7dbf9be2eb667360a5a9a43434c54e345f522bbb433afeba094d74aa2")
        #expect(hasher.hash("alice@example.com") != hasher.hash("bob@example.com"))
        #expect(try #require(KeyedHash(secret: "fedcba9876543210")).hash("alice@example.com") != hasher.hash("alice@example.com"))
    }

    @Test func refusesShortSecretsAndNeverPrintsTheSecret() throws {
        #expect(KeyedHash(secret: "short") == nil)
        let hasher = try #require(KeyedHash(secret: "a-very-secret-value-1234"))
        #expect(!"\(hasher)".contains("a-very-secret"))
        #expect(!String(reflecting: hasher).contains("a-very-secret"))
    }
}
