// UserAgentHostileInputTests: the user-agent parser and its cache on what no browser sends:
// nothing, blanks, 100 KB, invalid UTF-8, random bytes, a character cut by the read limit.

import Enrichment
import Testing

@Suite struct UserAgentHostileInputTests {
    static let nothing = UserAgent()

    @Test(arguments: ["", " ", String(repeating: " ", count: 4096), "\t;;,,(()) []+", "/", "Mozilla/5.0", "Android", "OS", "NT 10.0"])
    func blanksAndFragmentsParseToLittle(_ text: String) {
        let parsed = UserAgent(parsing: text)
        #expect(parsed.browser == nil)
        #expect(parsed.browserVersion == nil)
        #expect(parsed.osVersion == nil)
        #expect(!parsed.isBot)
    }

    @Test func emptyAndBlankParseToNothing() {
        #expect(UserAgent(parsing: "") == Self.nothing)
        #expect(UserAgent(parsing: "      ") == Self.nothing)
    }

    @Test func onlyTheFirst512BytesAreRead() {
        let real = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
        let padded = real + String(repeating: " ", count: UserAgent.scannedByteLimit)
        #expect(UserAgent(parsing: padded + " Googlebot/2.1 " + String(repeating: "x", count: 100_000)) == UserAgent(parsing: real))
        let huge = String(repeating: "Chrome/120.0 ", count: 8_000)
        #expect(huge.utf8.count > 100_000)
        #expect(UserAgent(parsing: huge).browser == "Chrome")
    }

    @Test func invalidUTF8IsRepairedAndParsed() {
        let bytes: [UInt8] = [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82] + Array("Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0 ".utf8) + [0xF0, 0x9F]
        let parsed = UserAgent(parsing: String(decoding: bytes, as: UTF8.self))
        #expect(parsed == UserAgent(browser: "Firefox", browserVersion: "125.0", os: "Linux"))
    }

    @Test func aCharacterCutByTheLimitIsLeftOutWhole() {
        // The limit falls inside a four-byte character right after a word, so the cached
        // prefix must end before it, as the parser's does, for the word to read alike.
        for offset in 0..<4 {
            let head = String(repeating: " ", count: UserAgent.scannedByteLimit - 7 - offset) + "Android"
            let text = head + "\u{1F600}\u{1F600} 14; Mobile"
            let cache = UserAgentCache(capacity: 8)
            #expect(cache.userAgent(for: text) == UserAgent(parsing: text))
            #expect(UserAgent(parsing: text) == UserAgent(parsing: Substring(text)))
        }
    }

    @Test func randomBytesNeverCrashAndCacheAlike() {
        // A linear congruential sequence (Knuth's MMIX constants): the same run every time.
        var state: UInt64 = 0x5EED
        func draw() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 16
        }
        let cache = UserAgentCache(capacity: 64)
        let alphabet = Array("Mozilla/5.0 (Windows NT 10.0; Android 14; iPhone OS 17_4 Mac OS X 10_15_7) Chrome/ Version/ bot wv Mobile:+".utf8)
        for round in 0..<3_000 {
            let length = Int(draw() % UInt64(round.isMultiple(of: 100) ? 4_000 : 300))
            let bytes = (0..<length).map { _ in
                let value = draw()
                return value % 3 == 0 ? UInt8(truncatingIfNeeded: value >> 8) : alphabet[Int((value >> 8) % UInt64(alphabet.count))]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let parsed = UserAgent(parsing: text)
            #expect(cache.userAgent(for: text) == parsed)
            #expect(parsed.isBot == (parsed.deviceType == .bot))
            for field in [parsed.browserVersion, parsed.osVersion] {
                #expect((field?.utf8.count ?? 0) <= 15)
            }
        }
    }
}
