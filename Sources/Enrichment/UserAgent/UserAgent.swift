// UserAgent: what the `user_agent` enrich step derives from a User-Agent string (browser and
// its version, operating system and its version, device type, whether a bot sent it), and the
// entry point that parses one.

/// The kind of device a user agent runs on, named as PostHog's `$device_type` names it.
public enum DeviceType: String, Sendable, Hashable, CaseIterable {
    /// A desktop or laptop computer, and whatever is neither phone, tablet nor bot (consoles,
    /// televisions, unknown clients).
    case desktop = "Desktop"
    /// A phone: iPhone, iPod touch, an Android phone ("Mobile" in its UA), Windows Phone.
    case mobile = "Mobile"
    /// A tablet: iPad, an Android device without "Mobile" in its UA, Kindle Fire.
    case tablet = "Tablet"
    /// A crawler, link-preview fetcher, monitor, headless browser or HTTP library.
    case bot = "Bot"
}

/// What a User-Agent string says about the client that sent it: the values of `$browser`,
/// `$browser_version`, `$os`, `$os_version`, `$device_type` and `$is_bot`.
///
/// Names follow posthog-js (`user-agent-utils.ts`), so that what an SDK sets and what the
/// pipeline derives agree:
/// - browsers: `Chrome` (also on Android, and for Chromium browsers that do not name
///   themselves), `Chrome iOS`, `Safari`, `Mobile Safari` (iOS and iPadOS, their web views
///   included), `Firefox`, `Firefox iOS`, `Microsoft Edge` (`Edg/`, `EdgA/`, `EdgiOS/`, `Edge/`),
///   `Samsung Internet`, `Opera`, `Opera Mini`, `UC Browser`, `Facebook Mobile`,
///   `Internet Explorer`, and `Android WebView` (`; wv)`, where posthog-js says `Chrome`).
///   A bot's browser is the bot's own name as it spells it (`Googlebot`, `curl`,
///   `HeadlessChrome`), or nil for a bot known only by a generic word (`spider`, `crawler`).
/// - operating systems: `Windows`, `Windows Phone`, `Mac OS X`, `iOS`, `Android`,
///   `Chrome OS`, `Linux`.
///
/// Versions are the digits the user agent gives, never guessed:
/// - `browserVersion` is the first two dot-separated numbers of the browser's token:
///   `Chrome/120.0.6099.109` → `120.0`, `Version/17.4.1` → `17.4`, `SemrushBot/7~bl` → `7`.
///   (posthog-js sends the same value as a number, `120`.)
/// - `osVersion` of iOS, Mac OS X and Android is up to three numbers, `_` written as `.`, and
///   padded with `.0` to three when the UA gives two (as posthog-js pads): `17_4_1` →
///   `17.4.1`, `17_4` → `17.4.0`, `10.15` → `10.15.0`; a lone major stays alone
///   (`Android 14` → `14`). Windows' is its marketing name: `NT 10.0` → `10` (Windows 11
///   also says 10.0), `6.3` → `8.1`, `6.1` → `7`. Chrome OS and Linux have none.
/// - An iPad asking for desktop sites sends a Macintosh UA: it is `Mac OS X` on the desktop
///   unless the UA also carries an iOS-only signal (`Mobile/`, `CriOS/`, `FxiOS/`,
///   `EdgiOS/`); then it is `iOS` (version unknown) on a tablet.
///
/// Only the first `UserAgent.scannedByteLimit` bytes are read (cut back to a whole
/// character), so parsing costs a bounded amount of work on any input; every field is nil
/// (and the device `.desktop`) when nothing is recognised.
public struct UserAgent: Sendable, Hashable {
    /// The browser's name (`$browser`), or nil when none is recognised.
    public var browser: String?
    /// The browser's major.minor version (`$browser_version`), or nil when the UA gives none.
    public var browserVersion: String?
    /// The operating system's name (`$os`), or nil when none is recognised.
    public var os: String?
    /// The operating system's version (`$os_version`), or nil when the UA gives none.
    public var osVersion: String?
    /// The kind of device (`$device_type`); `.bot` whenever `isBot` is true.
    public var deviceType: DeviceType
    /// Whether a crawler, link-preview fetcher, monitor, headless browser or HTTP library
    /// sent the UA (`$is_bot`).
    public var isBot: Bool

    /// A user agent with the given fields, as a test or a cache builds one.
    public init(
        browser: String? = nil, browserVersion: String? = nil, os: String? = nil, osVersion: String? = nil,
        deviceType: DeviceType = .desktop, isBot: Bool = false
    ) {
        self.browser = browser
        self.browserVersion = browserVersion
        self.os = os
        self.osVersion = osVersion
        self.deviceType = deviceType
        self.isBot = isBot
    }

    /// How many bytes of a User-Agent string are read at most (512: real ones are under
    /// 400). A longer string is read up to the last whole character within them.
    public static let scannedByteLimit = 512

    /// Parses a User-Agent string (a header's value, or `$raw_user_agent`). Reads its UTF-8
    /// bytes in place when the string is native, copies at most `scannedByteLimit + 1` of
    /// them to the stack otherwise, and allocates nothing but the result's strings.
    public init(parsing text: some StringProtocol) {
        if let parsed = text.utf8.withContiguousStorageIfAvailable({ UserAgent(scanning: $0) }) {
            self = parsed
            return
        }
        let copied = Self.scannedByteLimit + 1
        self = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: copied) { buffer in
            var count = 0
            for byte in text.utf8 {
                guard count < copied else { break }
                buffer[count] = byte
                count += 1
            }
            return UserAgent(scanning: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Parses the first `scannedByteLimit` bytes of `bytes` (cut back to a whole character).
    init(scanning bytes: UnsafeBufferPointer<UInt8>) {
        let text = UserAgentText(prefixOf: bytes)
        let tokens = UserAgentTokens(text)
        let platform = tokens.operatingSystem(in: text)
        let browser = tokens.isBot ? tokens.botIdentity(in: text) : tokens.browser(in: text)
        self.init(
            browser: browser.name, browserVersion: browser.version, os: platform.name, osVersion: platform.version,
            deviceType: tokens.deviceType, isBot: tokens.isBot)
    }
}
