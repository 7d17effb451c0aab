// UserAgentBots: which User-Agent strings a bot sent: the named crawlers, link-preview
// fetchers, AI agents, monitors, headless browsers and HTTP libraries, and the generic words
// (`bot`, `spider`, `crawl`, a contact URL) that give away the unnamed ones.

/// A bot known by name: the word its UA starts with (lowercase ASCII, compared without
/// case at the start of a word of the UA, not followed by a letter) and its name as its
/// operator spells it, which becomes the user agent's `browser`.
struct NamedBot: Sendable {
    let pattern: StaticString
    let length: Int
    /// The pattern's first two bytes, compared before the rest of it.
    let head: UInt16
    let name: String

    init(_ pattern: StaticString, _ name: String) {
        self.pattern = pattern
        (length, head) = pattern.withUTF8Buffer { ($0.count, $0.count < 2 ? 0 : UInt16($0[0]) << 8 | UInt16($0[1])) }
        self.name = name
    }

    /// Where a word starts, the first of these that stands there names the bot. Where one
    /// pattern begins another (`python-requests`, `python`), the longer comes first.
    static let all: [NamedBot] = [
        // Search engines.
        NamedBot("googlebot", "Googlebot"), NamedBot("googleother", "GoogleOther"),
        NamedBot("google-inspectiontool", "Google-InspectionTool"), NamedBot("google-read-aloud", "Google-Read-Aloud"),
        NamedBot("google-pagerenderer", "Google-PageRenderer"), NamedBot("google-safety", "Google-Safety"),
        NamedBot("google-cloudvertexbot", "Google-CloudVertexBot"), NamedBot("google favicon", "Google Favicon"),
        NamedBot("adsbot-google", "AdsBot-Google"), NamedBot("apis-google", "APIs-Google"),
        NamedBot("mediapartners-google", "Mediapartners-Google"), NamedBot("storebot-google", "Storebot-Google"),
        NamedBot("feedfetcher-google", "FeedFetcher-Google"), NamedBot("duplexweb-google", "DuplexWeb-Google"),
        NamedBot("bingbot", "bingbot"), NamedBot("bingpreview", "BingPreview"), NamedBot("msnbot", "msnbot"),
        NamedBot("adidxbot", "adidxbot"), NamedBot("applebot", "Applebot"), NamedBot("duckduckbot", "DuckDuckBot"),
        NamedBot("duckassistbot", "DuckAssistBot"), NamedBot("yandexbot", "YandexBot"), NamedBot("baiduspider", "Baiduspider"),
        NamedBot("sogou web spider", "Sogou web spider"), NamedBot("seznambot", "SeznamBot"), NamedBot("petalbot", "PetalBot"),
        NamedBot("yahoo! slurp", "Yahoo! Slurp"), NamedBot("qwantbot", "Qwantbot"), NamedBot("mojeekbot", "MojeekBot"),
        // Link previews and social networks.
        NamedBot("facebookexternalhit", "facebookexternalhit"), NamedBot("facebookcatalog", "facebookcatalog"),
        NamedBot("meta-externalagent", "meta-externalagent"), NamedBot("meta-externalfetcher", "meta-externalfetcher"),
        NamedBot("twitterbot", "Twitterbot"), NamedBot("slackbot", "Slackbot"), NamedBot("slack-imgproxy", "Slack-ImgProxy"),
        NamedBot("discordbot", "Discordbot"), NamedBot("linkedinbot", "LinkedInBot"), NamedBot("whatsapp", "WhatsApp"),
        NamedBot("telegrambot", "TelegramBot"), NamedBot("pinterestbot", "Pinterestbot"), NamedBot("redditbot", "redditbot"),
        NamedBot("skypeuripreview", "SkypeUriPreview"), NamedBot("iframely", "Iframely"), NamedBot("embedly", "Embedly"),
        NamedBot("bluesky cardyb", "Bluesky Cardyb"), NamedBot("zoombot", "Zoombot"),
        // SEO tools.
        NamedBot("ahrefsbot", "AhrefsBot"), NamedBot("ahrefssiteaudit", "AhrefsSiteAudit"), NamedBot("semrushbot", "SemrushBot"),
        NamedBot("siteauditbot", "SiteAuditBot"), NamedBot("mj12bot", "MJ12bot"), NamedBot("dotbot", "DotBot"),
        NamedBot("dataforseobot", "DataForSeoBot"), NamedBot("blexbot", "BLEXBot"), NamedBot("barkrowler", "Barkrowler"),
        NamedBot("screaming frog seo spider", "Screaming Frog SEO Spider"),
        // AI crawlers and agents.
        NamedBot("gptbot", "GPTBot"), NamedBot("oai-searchbot", "OAI-SearchBot"), NamedBot("chatgpt-user", "ChatGPT-User"),
        NamedBot("claudebot", "ClaudeBot"), NamedBot("claude-user", "Claude-User"), NamedBot("claude-searchbot", "Claude-SearchBot"),
        NamedBot("anthropic-ai", "anthropic-ai"), NamedBot("perplexitybot", "PerplexityBot"),
        NamedBot("perplexity-user", "Perplexity-User"), NamedBot("ccbot", "CCBot"), NamedBot("bytespider", "Bytespider"),
        NamedBot("amazonbot", "Amazonbot"), NamedBot("cohere-ai", "cohere-ai"), NamedBot("diffbot", "Diffbot"),
        NamedBot("youbot", "YouBot"), NamedBot("mistralai-user", "MistralAI-User"), NamedBot("timpibot", "Timpibot"),
        NamedBot("imagesiftbot", "ImagesiftBot"),
        // Archives and monitors.
        NamedBot("archive.org_bot", "archive.org_bot"), NamedBot("ia_archiver", "ia_archiver"),
        NamedBot("uptimerobot", "UptimeRobot"), NamedBot("pingdom", "Pingdom"), NamedBot("statuscake", "StatusCake"),
        NamedBot("better uptime bot", "Better Uptime Bot"), NamedBot("sentryuptimebot", "SentryUptimeBot"),
        NamedBot("chrome-lighthouse", "Chrome-Lighthouse"),
        // Headless browsers and test drivers.
        NamedBot("headlesschrome", "HeadlessChrome"), NamedBot("phantomjs", "PhantomJS"), NamedBot("cypress", "Cypress"),
        // HTTP libraries and command-line clients.
        NamedBot("curl", "curl"), NamedBot("wget", "Wget"), NamedBot("python-requests", "python-requests"),
        NamedBot("python-urllib", "Python-urllib"), NamedBot("python-httpx", "python-httpx"), NamedBot("python", "Python"),
        NamedBot("aiohttp", "aiohttp"), NamedBot("go-http-client", "Go-http-client"), NamedBot("okhttp", "okhttp"),
        NamedBot("java-http-client", "Java-http-client"), NamedBot("java", "Java"),
        NamedBot("apache-httpclient", "Apache-HttpClient"), NamedBot("axios", "axios"), NamedBot("node-fetch", "node-fetch"),
        NamedBot("undici", "undici"), NamedBot("postmanruntime", "PostmanRuntime"), NamedBot("insomnia", "insomnia"),
        NamedBot("libwww-perl", "libwww-perl"), NamedBot("scrapy", "Scrapy"), NamedBot("httpie", "HTTPie"),
        NamedBot("guzzlehttp", "GuzzleHttp"), NamedBot("ruby", "Ruby"), NamedBot("dart", "Dart"), NamedBot("reqwest", "reqwest"),
        NamedBot("faraday", "Faraday"), NamedBot("wordpress", "WordPress"),
    ]

    /// `all` by the first letter of the pattern (`a` to `z`), in `all`'s order, so a word
    /// is compared only with the patterns that start as it does.
    static let byFirstLetter: [[NamedBot]] = {
        var buckets = [[NamedBot]](repeating: [], count: 26)
        for bot in all {
            let first = bot.pattern.withUTF8Buffer { $0.first ?? 0 }
            let letter = Int(first &- UInt8(ascii: "a"))
            if letter < 26 { buckets[letter].append(bot) }
        }
        return buckets
    }()
}

extension UserAgentTokens {
    /// Notes the named bot whose pattern starts at `start`, and the offset of its version
    /// when `/` follows the pattern.
    mutating func noteNamedBot(at start: Int, in text: UserAgentText) {
        guard start + 1 < text.count else { return }
        let first = text[start].asciiLowercased
        let letter = Int(first &- UInt8(ascii: "a"))
        guard letter < 26 else { return }
        let head = UInt16(first) << 8 | UInt16(text[start + 1].asciiLowercased)
        for bot in NamedBot.byFirstLetter[letter] where bot.head == head && text.has(bot.pattern, at: start, foldingCase: true) {
            let end = start + bot.length
            if end < text.count, text[end].isASCIILetter { continue }
            isBot = true
            botName = bot.name
            if end + 1 < text.count, text[end] == UInt8(ascii: "/") { botVersion = end + 1 }
            return
        }
    }

    /// Notes a bot given away by a word of `word`, without case: `bot` not followed by a
    /// letter (`Googlebot/`, `bot.html`; not `CUBOT`, a phone maker), `spider`, `crawl`,
    /// `slurp`, `headless`, `preview`, `fetcher`, `httpclient`, `http-client`, a URL
    /// (`://`, a bot's contact address; no browser sends one) and Yandex's `yandex.com/bots`.
    mutating func noteBotWord(_ word: ByteSpan, in text: UserAgentText) {
        var index = word.start
        while index < word.end, !isBot {
            switch text[index].asciiLowercased {
            case UInt8(ascii: "b"):
                isBot =
                    text.has("bot", at: index, foldingCase: true) && !(index + 3 < text.count && text[index + 3].isASCIILetter)
                    && !text.has("cu", at: index - 2, foldingCase: true)
            case UInt8(ascii: "s"): isBot = text.has("spider", at: index, foldingCase: true) || text.has("slurp", at: index, foldingCase: true)
            case UInt8(ascii: "c"): isBot = text.has("crawl", at: index, foldingCase: true)
            case UInt8(ascii: "h"):
                isBot =
                    text.has("headless", at: index, foldingCase: true) || text.has("httpclient", at: index, foldingCase: true)
                    || text.has("http-client", at: index, foldingCase: true)
            case UInt8(ascii: "p"): isBot = text.has("preview", at: index, foldingCase: true)
            case UInt8(ascii: "f"): isBot = text.has("fetcher", at: index, foldingCase: true)
            case UInt8(ascii: ":"): isBot = text.has("://", at: index)
            case UInt8(ascii: "y"): isBot = text.has("yandex.com/bots", at: index, foldingCase: true)
            default: break
            }
            index += 1
        }
    }

    /// A bot's browser and version: its name and the major.minor after `Name/`, or nil for
    /// a bot known only by a generic word.
    func botIdentity(in text: UserAgentText) -> (name: String?, version: String?) {
        (botName, botVersion.flatMap { text.version(at: $0, parts: 2) })
    }
}
