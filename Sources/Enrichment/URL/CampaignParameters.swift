// CampaignParameters: the query parameters that tag where a visit came from, UTM tags and
// the click ids of ad networks, as PostHog's web SDK lists them; the `url` step copies each
// from `$current_url` into a property of the same name.

/// The campaign parameters the `url` step copies from a page URL's query.
public enum CampaignParameters {
    /// `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`.
    public static let utm = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]
    /// Click ids of ad and social networks (Google, Meta, Microsoft, X, LinkedIn, Mailchimp,
    /// Instagram, TikTok, Reddit, Pinterest, Quora, Snapchat, Impact, Klaviyo).
    public static let clickIDs = [
        "gclid", "gad_source", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "twclid", "li_fat_id", "mc_cid", "igshid",
        "ttclid", "rdt_cid", "epik", "qclid", "sccid", "irclid", "_kx",
    ]
    /// Every parameter copied: `utm` then `clickIDs`.
    public static let all = utm + clickIDs
    /// `all`, for membership tests.
    public static let names = Set(all)
}
