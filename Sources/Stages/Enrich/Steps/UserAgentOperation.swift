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
struct UserAgentOperation: DerivingOperation {
    static let outputs = ["$browser", "$browser_version", "$os", "$os_version", "$device_type", "$is_bot"]
    let sources: PropertySources
    let usesHeader: Bool
    let cache: UserAgentCache
    /// Each user agent's outputs rendered once, for events that have none of them, with the
    /// offsets in `outputs` of the members it has.
    let rendered: BoundedCache<(part: RenderedMembers, offsets: [Int])>
    /// The sources' top-level keys, then `outputs`.
    let reads: [String]

    init(options: EnrichStageKind.Step.UserAgentOptions) {
        sources = PropertySources(options.from.filter { $0 != "header" })
        usesHeader = options.from.contains("header")
        cache = UserAgentCache(capacity: options.cacheSize)
        rendered = BoundedCache(capacity: options.cacheSize)
        reads = sources.topKeys + Self.outputs
    }

    /// The outputs `agent` gives, in `outputs` order (a nil browser or OS is left out).
    static func derived(_ agent: UserAgent) -> JSONObject {
        var members: [(key: String, value: JSONValue)] = []
        let values: [JSONValue?] = [
            agent.browser.map(JSONValue.string), agent.browserVersion.map(JSONValue.string), agent.os.map(JSONValue.string),
            agent.osVersion.map(JSONValue.string), .string(agent.deviceType.rawValue), .bool(agent.isBot),
        ]
        for (key, value) in zip(outputs, values) {
            if let value { members.append((key, value)) }
        }
        return JSONObject(members)
    }

    func derive(_ derivation: inout Derivation, base: Int, facts: inout RequestFacts) {
        let outputs = base + sources.topKeys.count
        guard (outputs..<outputs + Self.outputs.count).contains(where: { derivation.value($0) == nil }) else { return }
        let text: String
        if let property = sources.firstString({ derivation.value(base + $0) }) {
            text = property
        } else if usesHeader, let header = facts.context.userAgent, header.hasPrefix("Mozilla/") {
            text = header
        } else {
            return
        }
        if (outputs..<outputs + Self.outputs.count).allSatisfy({ derivation.value($0) == nil }) {
            // The usual case: the SDK set none of them, and the rendered outputs are spliced in.
            let entry = rendered.value(for: text) {
                let members = Self.derived(cache.userAgent(for: text))
                return (RenderedMembers(members), Self.outputs.indices.filter { members[Self.outputs[$0]] != nil })
            }
            derivation.add(rendered: entry.part, slots: entry.offsets.lazy.map { outputs + $0 })
            return
        }
        let derived = Self.derived(cache.userAgent(for: text))
        for (offset, key) in Self.outputs.enumerated() {
            if let value = derived[key] { derivation.addIfAbsent(outputs + offset, value) }
        }
    }
}
