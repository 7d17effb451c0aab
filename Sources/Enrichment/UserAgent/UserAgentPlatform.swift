// UserAgentPlatform: the operating system, its version and the device type a User-Agent
// string names, including Windows' NT-to-marketing version names and the iPad that sends a
// Macintosh UA.

extension UserAgentTokens {
    /// An iPad asking for desktop sites: a Macintosh UA with something only iOS sends.
    var isIPadAsDesktop: Bool { macintosh && (mobile || iOSOnlyBrowser) }

    /// The operating system and its version. Windows comes first (Windows Phone's UA also
    /// says Android and iPhone), then iOS, Android (whose UA also says Linux), the Mac,
    /// Chrome OS and Linux.
    func operatingSystem(in text: UserAgentText) -> (name: String?, version: String?) {
        if windowsPhone { return ("Windows Phone", nil) }
        if windows { return ("Windows", windowsNT.flatMap { Self.windowsVersion(of: $0, in: text) }) }
        if iPhone || iPad || iPod { return ("iOS", iOSVersion.flatMap { text.version(at: $0, parts: 3, padding: 3) }) }
        if android { return ("Android", androidVersion.flatMap { text.version(at: $0, parts: 3, padding: 3) }) }
        if isIPadAsDesktop { return ("iOS", nil) }
        if macintosh || macVersion != nil { return ("Mac OS X", macVersion.flatMap { text.version(at: $0, parts: 3, padding: 3) }) }
        if chromeOS { return ("Chrome OS", nil) }
        if linux { return ("Linux", nil) }
        return (nil, nil)
    }

    /// The Windows release an NT version number names, as posthog-js names it: `10.0` is
    /// `10` (Windows 11 says 10.0 as well), `6.3` `8.1`, `6.2` `8`, `6.1` `7`, `6.0`
    /// `Vista`, `5.1` and `5.2` `XP`, `5.0` `2000`; nil for any other.
    static func windowsVersion(of number: ByteSpan, in text: UserAgentText) -> String? {
        if text.span(number, is: "10.0") { return "10" }
        if text.span(number, is: "6.3") { return "8.1" }
        if text.span(number, is: "6.2") { return "8" }
        if text.span(number, is: "6.1") { return "7" }
        if text.span(number, is: "6.0") { return "Vista" }
        if text.span(number, is: "5.1") || text.span(number, is: "5.2") { return "XP" }
        if text.span(number, is: "5.0") { return "2000" }
        return nil
    }

    /// The device type: a bot first, then the phones and tablets each platform names, then
    /// a bare `Mobile` or `Tablet` word, else the desktop.
    var deviceType: DeviceType {
        if isBot { return .bot }
        if windowsPhone { return .mobile }
        if iPad || isIPadAsDesktop || kindle { return .tablet }
        if iPhone || iPod { return .mobile }
        if android { return mobile && !tablet ? .mobile : .tablet }
        if mobile { return .mobile }
        if tablet { return .tablet }
        return .desktop
    }
}
