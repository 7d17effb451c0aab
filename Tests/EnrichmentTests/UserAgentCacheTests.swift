// UserAgentCacheTests: the user-agent cache answers as parsing does, stays within its
// capacity under a flood of distinct strings, and is safe to share between tasks.

import Enrichment
import Testing

@Suite struct UserAgentCacheTests {
    @Test func answersAsParsingDoes() {
        let cache = UserAgentCache(capacity: 16)
        for _ in 0..<3 {
            for fixture in UserAgentFixture.all {
                #expect(cache.userAgent(for: fixture.text) == fixture.expected, "\(fixture.text)")
            }
        }
        #expect(cache.count <= 16)
    }

    @Test func staysWithinItsCapacityUnderAFloodOfDistinctStrings() {
        let cache = UserAgentCache(capacity: 1_000)
        #expect(cache.capacity == 1_000)
        var largest = 0
        for index in 0..<100_000 {
            let text = "Mozilla/5.0 (Linux; Android 14; Model-\(index)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
            let parsed = cache.userAgent(for: text)
            if index.isMultiple(of: 997) {
                #expect(parsed == UserAgent(browser: "Chrome", browserVersion: "124.0", os: "Android", osVersion: "14", deviceType: .mobile))
            }
            if index.isMultiple(of: 100) { largest = max(largest, cache.count) }
        }
        #expect(largest <= 1_000)
        #expect(cache.count <= 1_000)
        #expect(cache.count >= 500)
    }

    @Test func keepsAStringAskedForOftenThroughAFlood() {
        let cache = UserAgentCache(capacity: 100)
        let hot = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"
        for index in 0..<10_000 {
            _ = cache.userAgent(for: "flood \(index)")
            if index.isMultiple(of: 20) { #expect(cache.userAgent(for: hot).browser == "Safari") }
        }
        #expect(cache.count <= 100)
    }

    @Test func tinyCapacitiesAreRoundedUpToTwo() {
        for capacity in [-5, 0, 1, 2, 3] {
            let cache = UserAgentCache(capacity: capacity)
            #expect(cache.capacity >= 2)
            for index in 0..<50 { _ = cache.userAgent(for: "curl/\(index).0") }
            #expect(cache.count <= cache.capacity)
            #expect(cache.userAgent(for: "curl/8.5.0") == UserAgent(browser: "curl", browserVersion: "8.5", deviceType: .bot, isBot: true))
        }
    }

    @Test func longStringsAreKeyedByWhatIsRead() {
        let cache = UserAgentCache(capacity: 8)
        let head = "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0" + String(repeating: " ", count: UserAgent.scannedByteLimit)
        let first = cache.userAgent(for: head + "tail one" + String(repeating: "x", count: 100_000))
        let second = cache.userAgent(for: head + "tail two")
        #expect(first == second)
        #expect(first == UserAgent(browser: "Firefox", browserVersion: "125.0", os: "Linux"))
        #expect(cache.count == 1)
    }

    @Test func isSafeToShareBetweenTasks() async {
        let cache = UserAgentCache(capacity: 64)
        let fixtures = UserAgentFixture.all
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var mismatches = 0
                    for step in 0..<4_000 {
                        if step.isMultiple(of: 3) {
                            let text = "Mozilla/5.0 (compatible; Crawler\(task)-\(step)/1.0)"
                            if cache.userAgent(for: text) != UserAgent(parsing: text) { mismatches += 1 }
                        } else {
                            let fixture = fixtures[(step &* 31 &+ task) % fixtures.count]
                            if cache.userAgent(for: fixture.text) != fixture.expected { mismatches += 1 }
                        }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(cache.count <= 64)
    }
}
