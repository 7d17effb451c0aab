// UserAgentBrowser: which browser a (non-bot) User-Agent string names and its version: the
// order in which the tokens of browsers built on others (Edge, Opera and Samsung Internet on
// Chrome; Chrome and Firefox on iOS's WebKit) win over the ones they carry.

extension UserAgentTokens {
    /// The browser's name and major.minor version. The most specific token wins: Opera,
    /// Samsung Internet and Edge carry Chrome's token, Chrome carries Safari's, and an
    /// Android web view is Chrome's token with `; wv)`. Safari's version is its `Version/`.
    func browser(in text: UserAgentText) -> (name: String?, version: String?) {
        func named(_ name: String, _ version: Int?) -> (name: String?, version: String?) {
            (name, version.flatMap { text.version(at: $0, parts: 2) })
        }
        if let operaMini { return named("Opera Mini", operaMini) }
        if let opera { return named("Opera", opera) }
        if let samsung { return named("Samsung Internet", samsung) }
        if let edge { return named("Microsoft Edge", edge) }
        if facebookIOS { return named("Facebook Mobile", nil) }
        if let ucBrowser { return named("UC Browser", ucBrowser) }
        if let chromeIOS { return named("Chrome iOS", chromeIOS) }
        if let firefoxIOS { return named("Firefox iOS", firefoxIOS) }
        if let chrome { return named(android && webView ? "Android WebView" : "Chrome", chrome) }
        if let firefox { return named("Firefox", firefox) }
        // Android's browser before Chrome was its web view's.
        if android, hasSafari || safariVersion != nil { return named("Android WebView", safariVersion) }
        // Safari, and the web views of apps on iOS and macOS (posthog-js names these Safari
        // too: it asks the browser for its vendor, Apple).
        if hasSafari || (hasAppleWebKit && (iPhone || iPad || iPod || macintosh)) {
            return named(mobile ? "Mobile Safari" : "Safari", safariVersion)
        }
        if let internetExplorer { return named("Internet Explorer", internetExplorer) }
        if hasTrident { return named("Internet Explorer", tridentRevision) }
        return (nil, nil)
    }
}
