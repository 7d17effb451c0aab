// The `url` step: host, path and campaign tags from the page URL, the referring domain and
// the kind of referrer from the referrer URL, added only where the SDK set none.

import Enrichment
import PipelineKit

/// Adds `$host`, `$pathname`, each UTM tag and click id present in the page URL's query,
/// `$referring_domain` (`$direct` without a referrer, as PostHog writes it) and
/// `$referrer_kind` (`ReferrerKind`); a property the event already has keeps its value.
struct URLOperation: EnrichOperation {
    static let outputs = ["$host", "$pathname", "$referring_domain", "$referrer_kind"]
    let pages: PropertySources
    let referrers: PropertySources
    /// The page sources' top-level keys, the referrer sources', then `outputs`.
    let keys: PropertyKeyList
    let internalDomains: [String]

    init(options: EnrichStageKind.Step.URLOptions) {
        pages = PropertySources(options.currentURL)
        referrers = PropertySources(options.referrer)
        keys = PropertyKeyList(pages.topKeys + referrers.topKeys + Self.outputs)
        internalDomains = options.internalDomains
    }

    func apply(to event: inout Event, context: IngestContext) {
        let values = event.propertyValues(keys)
        let outputStart = pages.topKeys.count + referrers.topKeys.count
        let page = pages.firstString(values).map { URLParts($0) }
        let referrerText = referrers.firstString(values, offset: pages.topKeys.count)
        // posthog-js sends "$direct" for no referrer.
        let referrer = referrerText.flatMap { $0 == "$direct" ? nil : URLParts($0) }
        var added = JSONObject()
        func add(_ index: Int, _ value: String?) {
            if let value, values[outputStart + index] == nil { added[Self.outputs[index]] = .string(value) }
        }
        let currentHost = page?.host ?? values[outputStart]?.stringValue
        add(0, page?.host)
        add(1, page?.host == nil ? nil : page?.path)
        if referrerText != nil || page != nil {
            add(2, referrer?.host ?? "$direct")
            let kind = ReferrerKind.classify(
                referrerHost: referrer?.host, currentHost: currentHost, internalDomains: internalDomains, utmMedium: page?.parameter("utm_medium"))
            add(3, kind.rawValue)
        }
        if let page, !page.parameters.isEmpty {
            for name in CampaignParameters.all {
                if let value = page.parameter(name), !value.isEmpty { added[name] = .string(value) }
            }
        }
        // Campaign keys were not looked for in the first walk: this checks them (the key
        // sketch rules most out without a second walk).
        event.addProperties(ifAbsent: added)
    }
}
