// The options of the enrich steps that take more than a list or a mapping: which text a
// `lowercase`/`trim` edits, and where `user_agent`, `url` and `ip` read and what they write.

import PipelineKit

extension EnrichStageKind.Step {
    /// What `lowercase` and `trim` edit: `{event_name: true, properties: [utm_source]}`.
    public struct TextTargets: Decodable, Sendable, Hashable {
        /// Whether the event name is edited (an edit that would leave it empty is skipped).
        public var eventName: Bool
        /// Top-level properties edited when their value is a string.
        public var properties: [String]

        enum CodingKeys: String, CodingKey {
            case eventName = "event_name"
            case properties
        }

        /// Memberwise.
        public init(eventName: Bool = false, properties: [String] = []) {
            self.eventName = eventName
            self.properties = properties
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            eventName = try container.decodeIfPresent(Bool.self, forKey: .eventName) ?? false
            properties = try container.decodeIfPresent([String].self, forKey: .properties) ?? []
            guard eventName || !properties.isEmpty else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: container.codingPath, debugDescription: "edits nothing; expected `event_name: true` and/or `properties: [name, …]`"))
            }
        }
    }

    /// `user_agent: {from: [$raw_user_agent, $useragent, context.userAgent, header]}`: the
    /// first property holding a string is parsed, else the request's `User-Agent` (`header`).
    public struct UserAgentOptions: Decodable, Sendable, Hashable {
        /// Property names or dotted paths, and `header`, tried in order (`header` last).
        public var from: [String]
        /// Parsed user agents kept in memory (a fixed maximum; the least recently added go).
        public var cacheSize: Int

        /// Reads `$raw_user_agent` (posthog-js), `$useragent`, `context.userAgent` (Segment's
        /// analytics.js), then the header; caches 4,096.
        public init(from: [String] = ["$raw_user_agent", "$useragent", "context.userAgent", "header"], cacheSize: Int = 4096) {
            self.from = from
            self.cacheSize = cacheSize
        }

        enum CodingKeys: String, CodingKey {
            case from
            case cacheSize = "cache_size"
        }

        public init(from decoder: any Decoder) throws {
            let defaults = UserAgentOptions()
            let container = try decoder.container(keyedBy: CodingKeys.self)
            from = try container.decodeIfPresent([String].self, forKey: .from) ?? defaults.from
            cacheSize = try container.decodeIfPresent(Int.self, forKey: .cacheSize) ?? defaults.cacheSize
            if from.isEmpty {
                throw DecodingError.dataCorruptedError(forKey: .from, in: container, debugDescription: "is empty; expected property names and/or `header`")
            }
            if !(16...1_000_000).contains(cacheSize) {
                throw DecodingError.dataCorruptedError(forKey: .cacheSize, in: container, debugDescription: "must be 16 to 1000000 entries, got \(cacheSize)")
            }
        }
    }

    /// `url: {current_url: [$current_url, context.page.url], referrer: [...], internal_domains: [...]}`.
    public struct URLOptions: Decodable, Sendable, Hashable {
        /// Properties (or dotted paths) holding the page's URL, tried in order.
        public var currentURL: [String]
        /// Properties (or dotted paths) holding the referrer's URL, tried in order.
        public var referrer: [String]
        /// Domains (and their subdomains) whose referrers count as `internal` besides the
        /// current URL's host.
        public var internalDomains: [String]

        /// PostHog's `$current_url` and `$referrer`, then Segment's `context.page` and a page
        /// call's `url` and `referrer`; no extra internal domains.
        public init(
            currentURL: [String] = ["$current_url", "context.page.url", "url"],
            referrer: [String] = ["$referrer", "context.page.referrer", "referrer"],
            internalDomains: [String] = []
        ) {
            self.currentURL = currentURL
            self.referrer = referrer
            self.internalDomains = internalDomains
        }

        enum CodingKeys: String, CodingKey {
            case currentURL = "current_url"
            case referrer
            case internalDomains = "internal_domains"
        }

        public init(from decoder: any Decoder) throws {
            let defaults = URLOptions()
            let container = try decoder.container(keyedBy: CodingKeys.self)
            currentURL = try Self.names(container, .currentURL) ?? defaults.currentURL
            referrer = try Self.names(container, .referrer) ?? defaults.referrer
            internalDomains = (try container.decodeIfPresent([String].self, forKey: .internalDomains) ?? []).map { $0.lowercased() }
        }

        /// A name or a list of names; nil when absent.
        private static func names(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [String]? {
            if let one = try? container.decodeIfPresent(String.self, forKey: key) { return [one] }
            let list = try container.decodeIfPresent([String].self, forKey: key)
            if list?.isEmpty == true {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "is empty; expected property names")
            }
            return list
        }
    }

    /// `ip: {mode: anonymize}`: what becomes of the client address.
    public struct IPOptions: Decodable, Sendable, Hashable {
        /// What the step writes.
        public enum Mode: String, Decodable, Sendable, CaseIterable {
            /// `$ip` is the full address (personal data: say so in your privacy notice).
            case keep
            /// `$ip` is the address with its host part cleared (IPv4 /24, IPv6 /48).
            case anonymize
            /// No `$ip` is stored (one the event carried is removed).
            case omit
        }

        /// Anonymize by default.
        public var mode: Mode

        /// Memberwise; anonymizes by default.
        public init(mode: Mode = .anonymize) { self.mode = mode }

        enum CodingKeys: String, CodingKey { case mode }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let name = try container.decodeIfPresent(String.self, forKey: .mode) ?? Mode.anonymize.rawValue
            guard let mode = Mode(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .mode, in: container,
                    debugDescription: "unknown mode '\(name)'\(didYouMean(name, in: Mode.allCases.map(\.rawValue))); expected one of: keep, anonymize, omit")
            }
            self.mode = mode
        }
    }
}
