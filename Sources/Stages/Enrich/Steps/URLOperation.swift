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
        let page = pages.firstString({ derivation.value(base + $0) }).map { URLParts($0) }
        let referrerText = referrers.firstString { derivation.value(referrerBase + $0) }
        // posthog-js sends "$direct" for no referrer.
        let referrer = referrerText.flatMap { $0 == "$direct" ? nil : URLParts($0) }
        if let host = page?.host {
            derivation.addIfAbsent(outputs, .string(host))
            derivation.addIfAbsent(outputs + 1, .string(page?.path ?? "/"))
        }
        if referrerText != nil || page != nil {
            derivation.addIfAbsent(outputs + 2, .string(referrer?.host ?? "$direct"))
            let currentHost = page?.host ?? derivation.value(outputs)?.stringValue
            let kind = ReferrerKind.classify(
                referrerHost: referrer?.host, currentHost: currentHost, internalDomains: internalDomains, utmMedium: page?.parameter("utm_medium"))
            derivation.addIfAbsent(outputs + 3, .string(kind.rawValue))
        }
        if let page, !page.parameters.isEmpty {
            for parameter in page.parameters where !parameter.value.isEmpty && CampaignParameters.names.contains(parameter.name) {
                derivation.addIfAbsent(unread: parameter.name, .string(parameter.value))
            }
        }
    }
}
