// The `user_agent` step: browser, OS, device type and bot flag derived from a user-agent
// string (a property or the request's header), added only where the SDK set none.

import Enrichment
import PipelineKit

/// Adds `$browser`, `$browser_version`, `$os`, `$os_version`, `$device_type` and `$is_bot`
/// from the first property of `from` holding a non-empty string, else (when `from` lists
/// `header`) the request's `User-Agent`; a property the event already has keeps its value.
/// A header that does not start with `Mozilla/` (what every browser and the crawlers that
/// run pages send) adds nothing: it names the sending library (`posthog-python/7.91.1`,
/// `curl/8.5.0` on a backend), not the user's browser. Parsed user agents are cached (a
/// fixed maximum).
struct UserAgentOperation: EnrichOperation {
    static let outputs = ["$browser", "$browser_version", "$os", "$os_version", "$device_type", "$is_bot"]
    let sources: PropertySources
    let usesHeader: Bool
    /// The sources' top-level keys, then `outputs`: one walk answers both.
    let keys: PropertyKeyList
    let cache: UserAgentCache

    init(options: EnrichStageKind.Step.UserAgentOptions) {
        sources = PropertySources(options.from.filter { $0 != "header" })
        usesHeader = options.from.contains("header")
        keys = PropertyKeyList(sources.topKeys + Self.outputs)
        cache = UserAgentCache(capacity: options.cacheSize)
    }

    func apply(to event: inout Event, context: IngestContext) {
        let values = event.propertyValues(keys)
        let outputStart = sources.topKeys.count
        guard values[outputStart...].contains(where: { $0 == nil }) else { return }
        let agent: UserAgent
        if let text = sources.firstString(values) {
            agent = cache.userAgent(for: text)
        } else if usesHeader, let header = context.userAgent, header.hasPrefix("Mozilla/") {
            agent = cache.userAgent(for: header)
        } else {
            return
        }
        let derived: [JSONValue?] = [
            agent.browser.map(JSONValue.string), agent.browserVersion.map(JSONValue.string), agent.os.map(JSONValue.string),
            agent.osVersion.map(JSONValue.string), .string(agent.deviceType.rawValue), .bool(agent.isBot),
        ]
        var added = JSONObject()
        for (offset, key) in Self.outputs.enumerated() where values[outputStart + offset] == nil {
            if let value = derived[offset] { added[key] = value }
        }
        event.appendProperties(knownAbsent: added)
    }
}
