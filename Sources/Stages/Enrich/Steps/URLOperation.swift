// The `url` step: host, path and campaign tags from the page URL, the referring domain and
// the kind of referrer from the referrer URL, added only where the SDK set none.

import Enrichment
import PipelineKit

/// Adds `$host`, `$pathname`, each UTM tag and click id present in the page URL's query,
/// `$referring_domain` (`$direct` without a referrer, as PostHog writes it) and
/// `$referrer_kind` (`ReferrerKind`); a property the event already has keeps its value.
struct URLOperation: DerivingOperation {
    static let outputs = ["$host", "$pathname", "$referring_domain", "$referrer_kind"]
    let pages: PropertySources
    let referrers: PropertySources
    let internalDomains: [String]
    /// What a page and referrer give, rendered once, for events that have none of `outputs`:
    /// the members, the offsets in `outputs` of those it has, and its campaign keys.
    let rendered = BoundedCache<(part: RenderedMembers, offsets: [Int], campaign: [String])>(capacity: 8192)
    /// The page sources' top-level keys, the referrer sources', then `outputs`.
    let reads: [String]

    init(options: EnrichStageKind.Step.URLOptions) {
        pages = PropertySources(options.currentURL)
        referrers = PropertySources(options.referrer)
        internalDomains = options.internalDomains
        reads = pages.topKeys + referrers.topKeys + Self.outputs
    }

    func derive(_ derivation: inout Derivation, base: Int, facts: inout RequestFacts) {
        let referrerBase = base + pages.topKeys.count
        let outputs = referrerBase + referrers.topKeys.count
        let pageText = pages.firstString { derivation.value(base + $0) }
        let referrerText = referrers.firstString { derivation.value(referrerBase + $0) }
        guard pageText != nil || referrerText != nil else { return }
        if (outputs..<outputs + Self.outputs.count).allSatisfy({ derivation.value($0) == nil }) {
            // The usual case: pages and referrers repeat, and what they give is spliced in.
            // Without a referrer the page is the key (no string is built per event).
            let key = referrerText.map { (pageText ?? "") + "\u{1F}" + $0 } ?? pageText ?? ""

            let entry = rendered.value(for: key) {
                let members = derived(page: pageText, referrer: referrerText, currentHost: nil)
                let offsets = Self.outputs.indices.filter { members[Self.outputs[$0]] != nil }
                let campaign = members.keys.filter { !Self.outputs.contains($0) }
                return (RenderedMembers(members), offsets, campaign)
            }
            derivation.add(rendered: entry.part, slots: entry.offsets.lazy.map { outputs + $0 }, unread: entry.campaign)
            return
        }
        let members = derived(page: pageText, referrer: referrerText, currentHost: derivation.value(outputs)?.stringValue)
        for (offset, key) in Self.outputs.enumerated() {
            if let value = members[key] { derivation.addIfAbsent(outputs + offset, value) }
        }
        for member in members where !Self.outputs.contains(member.key) { derivation.addIfAbsent(unread: member.key, member.value) }
    }

    /// What `page` and `referrer` give: `outputs` (those that apply, in order), then the
    /// campaign parameters of the page's query. `currentHost` stands in for a page without one.
    func derived(page pageText: String?, referrer referrerText: String?, currentHost: String?) -> JSONObject {
        let page = pageText.map { URLParts($0) }
        // posthog-js sends "$direct" for no referrer.
        let referrer = referrerText.flatMap { $0 == "$direct" ? nil : URLParts($0) }
        var members: [(key: String, value: JSONValue)] = []
        if let host = page?.host {
            members.append(("$host", .string(host)))
            members.append(("$pathname", .string(page?.path ?? "/")))
        }
        members.append(("$referring_domain", .string(referrer?.host ?? "$direct")))
        let kind = ReferrerKind.classify(
            referrerHost: referrer?.host, currentHost: page?.host ?? currentHost, internalDomains: internalDomains,
            utmMedium: page?.parameter("utm_medium"))
        members.append(("$referrer_kind", .string(kind.rawValue)))
        for parameter in page?.parameters ?? [] where !parameter.value.isEmpty && CampaignParameters.names.contains(parameter.name) {
            if !members.contains(where: { $0.key == parameter.name }) { members.append((parameter.name, .string(parameter.value))) }
        }
        return JSONObject(members)
    }
}
