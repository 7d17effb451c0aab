// UserAgentRulesTests: the parsing rules the table of real strings cannot show alone: the
// iPad that asks for desktop sites, legacy browsers, version formatting and bot words.

import Enrichment
import Testing

@Suite struct UserAgentRulesTests {
    @Test func iPadAsDesktopIsAMacUnlessSomethingOnlyIOSSends() {
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
        #expect(UserAgent(parsing: mac) == UserAgent(browser: "Safari", browserVersion: "17.4", os: "Mac OS X", osVersion: "10.15.7"))

        let webView = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        #expect(UserAgent(parsing: webView) == UserAgent(browser: "Mobile Safari", os: "iOS", deviceType: .tablet))

        let chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.111 Safari/604.1"
        #expect(UserAgent(parsing: chrome) == UserAgent(browser: "Chrome iOS", browserVersion: "124.0", os: "iOS", deviceType: .tablet))
    }

    @Test(arguments: [
        (
            "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
            UserAgent(browser: "Internet Explorer", browserVersion: "11.0", os: "Windows", osVersion: "10")
        ),
        (
            "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)",
            UserAgent(browser: "Internet Explorer", browserVersion: "10.0", os: "Windows", osVersion: "8")
        ),
        (
            "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063",
            UserAgent(browser: "Microsoft Edge", browserVersion: "15.15063", os: "Windows Phone", deviceType: .mobile)
        ),
        (
            "Mozilla/5.0 (Windows NT 5.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/49.0.2623.112 Safari/537.36",
            UserAgent(browser: "Chrome", browserVersion: "49.0", os: "Windows", osVersion: "XP")
        ),
        (
            "Mozilla/5.0 (Linux; U; Android 4.4.2; en-us; SM-T230 Build/KOT49H) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Safari/534.30",
            UserAgent(browser: "Android WebView", browserVersion: "4.0", os: "Android", osVersion: "4.4.2", deviceType: .tablet)
        ),
        (
            "Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16",
            UserAgent(browser: "Opera Mini", browserVersion: "36.2", os: "Android", deviceType: .tablet)
        ),
    ])
    func legacyBrowsers(_ text: String, expected: UserAgent) {
        #expect(UserAgent(parsing: text) == expected)
    }

    @Test func versionsKeepTheirDigitsAndDropImplausibleOnes() {
        #expect(UserAgent(parsing: "Mozilla/5.0 (X11; Linux x86_64) Chrome/12345678.0 Safari/537.36").browserVersion == nil)
        #expect(UserAgent(parsing: "Mozilla/5.0 (X11; Linux x86_64) Chrome/123456.654321.1 Safari/537.36").browserVersion == "123456.654321")
        #expect(UserAgent(parsing: "Mozilla/5.0 (Linux; Android 12345; K) Chrome/120.0.0.0 Mobile Safari/537.36").osVersion == nil)
        #expect(UserAgent(parsing: "Mozilla/5.0 (iPhone; CPU iPhone OS 17 like Mac OS X) Mobile/15E148").osVersion == "17")
        #expect(UserAgent(parsing: "Mozilla/5.0 (X11; Linux x86_64) Chrome/ Safari/537.36").browserVersion == nil)
        #expect(UserAgent(parsing: "Mozilla/5.0 (Windows NT 11.0; Win64; x64) Chrome/120.0.0.0").osVersion == nil)
    }

    @Test(arguments: [
        "Mozilla/5.0 (Linux; Android 13; CUBOT KINGKONG 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 14; Cubot_X70) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]",
        "posthog-python/7.91.1",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.38.125 Chrome/122.0.6261.156 Electron/29.4.0 Safari/537.36",
    ])
    func wordsThatLookLikeBotsAreNot(_ text: String) {
        #expect(!UserAgent(parsing: text).isBot)
    }

    @Test(arguments: [
        "Mozilla/5.0 (compatible; SomeNewCrawler/0.3)",
        "Mozilla/5.0 (compatible; ExampleSpider/1.0)",
        "Mozilla/5.0 (compatible; Fetcher/2.0; +https://example.com/about)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 (compatible; examplebot)",
    ])
    func unnamedBotsAreBotsWithoutABrowser(_ text: String) {
        let parsed = UserAgent(parsing: text)
        #expect(parsed.isBot)
        #expect(parsed.deviceType == .bot)
        #expect(parsed.browser == nil)
        #expect(parsed.browserVersion == nil)
    }
}
