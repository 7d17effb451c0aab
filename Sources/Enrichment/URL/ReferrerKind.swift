// ReferrerKind: what sort of place a visit came from (direct, internal, search, social,
// email, other), told from the referrer's host against short lists of the big search
// engines, social networks and webmail hosts, as Snowplow's referer-parser does.

/// The kind of a visit's referrer, the value of `$referrer_kind`.
public enum ReferrerKind: String, Sendable, CaseIterable {
    /// No referrer (typed, bookmarked, or the browser withheld it).
    case direct
    /// Another page of the same site (the current URL's host, or a configured domain).
    case `internal`
    /// A search engine's result page.
    case search
    /// A social network or a link shortener of one.
    case social
    /// A webmail client, or a visit tagged `utm_medium=email`.
    case email
    /// Any other site.
    case other

    /// The kind of a visit to `currentHost` from `referrerHost` (nil: none). A host is
    /// internal when it is `currentHost`, one of `internalDomains`, or a subdomain of one.
    /// `utmMedium` settles a visit with no referrer that a campaign tagged as email.
    public static func classify(referrerHost: String?, currentHost: String?, internalDomains: [String] = [], utmMedium: String? = nil) -> ReferrerKind {
        guard let host = referrerHost, !host.isEmpty, host != "$direct" else {
            if let medium = utmMedium, ["email", "e-mail", "newsletter"].contains(where: { equalsIgnoringASCIICase(medium, $0) }) { return .email }
            return .direct
        }
        if let currentHost, host == currentHost || isSubdomain(host, of: currentHost) || isSubdomain(currentHost, of: host) { return .internal }
        if internalDomains.contains(where: { host == $0 || isSubdomain(host, of: $0) }) { return .internal }
        return category(of: host)
    }

    /// `email`, `search`, `social` or `other` for a host no visit made internal, remembered
    /// (a bounded cache: referrers repeat, a few hosts make most of them).
    static func category(of host: String) -> ReferrerKind {
        categories.value(for: host) {
            emailHosts.matches(host) ? .email : searchHosts.matches(host) ? .search : socialHosts.matches(host) ? .social : .other
        }
    }

    private static let categories = BoundedCache<ReferrerKind>(capacity: 4096)

    /// Whether `host` is a subdomain of `domain` (compared as bytes: hosts are lowercased).
    static func isSubdomain(_ host: String, of domain: String) -> Bool {
        host.utf8.count > domain.utf8.count && host.utf8.suffix(domain.utf8.count).elementsEqual(domain.utf8)
            && host.utf8.dropLast(domain.utf8.count).last == UInt8(ascii: ".")
    }

    static func equalsIgnoringASCIICase(_ text: String, _ lowercase: String) -> Bool {
        text.utf8.count == lowercase.utf8.count && zip(text.utf8, lowercase.utf8).allSatisfy { URLParts.lowercased($0) == $1 }
    }

    /// Search engines: a trailing dot stands for any top-level domain.
    static let searchHosts: HostList = [
        "google.", "bing.com", "duckduckgo.com", "search.yahoo.", "yahoo.co.jp", "baidu.com", "yandex.", "ya.ru", "ecosia.org",
        "search.brave.com", "startpage.com", "qwant.com", "naver.com", "seznam.cz", "ask.com", "search.aol.", "sogou.com", "so.com",
        "kagi.com", "perplexity.ai", "you.com", "daum.net", "coccoc.com", "metager.org", "mojeek.com",
    ]
    /// Social networks and their link shorteners.
    static let socialHosts: HostList = [
        "facebook.com", "fb.com", "fb.me", "instagram.com", "t.co", "twitter.com", "x.com", "linkedin.com", "lnkd.in", "reddit.com",
        "pinterest.", "pin.it", "youtube.com", "youtu.be", "tiktok.com", "news.ycombinator.com", "threads.net", "bsky.app", "vk.com",
        "weibo.com", "quora.com", "tumblr.com", "discord.com", "t.me", "telegram.org", "whatsapp.com", "wa.me", "snapchat.com",
        "mastodon.social", "medium.com", "xing.com", "ok.ru", "line.me",
    ]
    /// Webmail clients.
    static let emailHosts: HostList = [
        "mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com", "mail.yahoo.com", "mail.proton.me",
        "mail.aol.com", "mail.yandex.ru", "mail.zoho.com", "icloud.com", "fastmail.com", "gmx.net", "web.de", "mail.ru",
    ]
}

/// Domains, and names followed by any top-level domain (`google.`), looked up by the host's
/// suffixes: a host of n labels costs n set lookups and a few prefix tests, however long the list.
struct HostList: ExpressibleByArrayLiteral, Sendable {
    /// Entries without a trailing dot: the domain and its subdomains match.
    let domains: Set<String>
    /// Entries with a trailing dot (`google.`): a host one of whose suffixes starts with it.
    let brands: [String]

    init(arrayLiteral entries: String...) {
        domains = Set(entries.filter { !$0.hasSuffix(".") })
        brands = entries.filter { $0.hasSuffix(".") }
    }

    /// Whether `host` is listed (see the type).
    func matches(_ host: String) -> Bool {
        var suffix = Substring(host)
        while true {
            if domains.contains(String(suffix)) { return true }
            if brands.contains(where: { suffix.hasPrefix($0) }) { return true }
            guard let dot = suffix.firstIndex(of: ".") else { return false }
            suffix = suffix[suffix.index(after: dot)...]
        }
    }
}
