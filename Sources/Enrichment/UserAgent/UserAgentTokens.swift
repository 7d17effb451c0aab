// UserAgentTokens: one pass over the words of a User-Agent string, noting the products
// (`Name/version`), platform words and phrases (`Windows NT 10.0`, `Android 14`,
// `iPhone OS 17_4`) and bot names that the browser, platform and bot rules decide from.

/// What one pass over a User-Agent string found. A word is a run of bytes between
/// delimiters (space, brackets, `;`, `,`, `+`); a version is kept as the offset where its
/// digits start, and turned into a string only for the token a rule picks.
struct UserAgentTokens {
    // Browser products: the offset of the version after `Name/`.
    var chrome: Int?
    var chromeIOS: Int?
    var firefox: Int?
    var firefoxIOS: Int?
    var edge: Int?
    var samsung: Int?
    var opera: Int?
    var operaMini: Int?
    var ucBrowser: Int?
    var safariVersion: Int?
    var internetExplorer: Int?
    var tridentRevision: Int?
    var hasSafari = false
    var hasAppleWebKit = false
    var hasTrident = false
    var facebookIOS = false
    /// A browser that exists only on iOS (`CriOS/`, `FxiOS/`, `EdgiOS/`): with a Macintosh
    /// UA, an iPad asking for desktop sites.
    var iOSOnlyBrowser = false

    // Platform words and the offsets of the versions that follow them.
    var android = false
    var iPhone = false
    var iPad = false
    var iPod = false
    var macintosh = false
    var windows = false
    var windowsPhone = false
    var chromeOS = false
    var linux = false
    var kindle = false
    var mobile = false
    var tablet = false
    var webView = false
    var windowsNT: ByteSpan?
    var androidVersion: Int?
    var iOSVersion: Int?
    var macVersion: Int?

    // Bots: whether any rule matched, and the first named bot with its version's offset.
    var isBot = false
    var botName: String?
    var botVersion: Int?

    init(_ text: UserAgentText) {
        var index = 0
        var previous = ByteSpan.none
        var beforePrevious = ByteSpan.none
        while index < text.count {
            guard !text[index].isUserAgentDelimiter else {
                index += 1
                continue
            }
            let start = index
            while index < text.count, !text[index].isUserAgentDelimiter { index += 1 }
            let word = ByteSpan(start: start, end: index)
            if botName == nil { noteNamedBot(at: start, in: text) }
            if !isBot { noteBotWord(word, in: text) }
            note(word, after: previous, beforePrevious, in: text)
            beforePrevious = previous
            previous = word
        }
    }

    private mutating func note(_ word: ByteSpan, after previous: ByteSpan, _ beforePrevious: ByteSpan, in text: UserAgentText) {
        if let slash = text.firstIndex(of: UInt8(ascii: "/"), in: word) {
            noteProduct(ByteSpan(start: word.start, end: slash), versionAt: slash + 1, after: previous, in: text)
        } else if text[word.start].isASCIIDigit {
            noteNumber(word, after: previous, beforePrevious, in: text)
        } else {
            notePlatformWord(word, after: previous, in: text)
        }
    }

    /// `Name/version`: the browser tokens, and `Mobile/15E148` (iOS) and `FBAN/FBIOS`.
    /// (`span(_:is:)` compares lengths first, so a name that is none of these costs little.)
    private mutating func noteProduct(_ name: ByteSpan, versionAt version: Int, after previous: ByteSpan, in text: UserAgentText) {
        if text.span(name, is: "Chrome") || text.span(name, is: "CrMo") {
            chrome = version
        } else if text.span(name, is: "Safari") {
            hasSafari = true
        } else if text.span(name, is: "AppleWebKit") {
            hasAppleWebKit = true
        } else if text.span(name, is: "Version") {
            safariVersion = version
        } else if text.span(name, is: "Mobile") {
            mobile = true
        } else if text.span(name, is: "Edg") || text.span(name, is: "EdgA") || text.span(name, is: "Edge") {
            edge = version
        } else if text.span(name, is: "EdgiOS") {
            edge = version
            iOSOnlyBrowser = true
        } else if text.span(name, is: "CriOS") {
            chromeIOS = version
            iOSOnlyBrowser = true
        } else if text.span(name, is: "FxiOS") {
            firefoxIOS = version
            iOSOnlyBrowser = true
        } else if text.span(name, is: "Firefox") {
            firefox = version
        } else if text.span(name, is: "SamsungBrowser") {
            samsung = version
        } else if text.span(name, is: "OPR") {
            opera = version
        } else if text.span(name, is: "Mini"), text.span(previous, is: "Opera") {
            operaMini = version
        } else if text.span(name, is: "UCBrowser") {
            ucBrowser = version
        } else if text.span(name, is: "FBAN") {
            facebookIOS = facebookIOS || text.has("FBIOS", at: version)
        } else if text.span(name, is: "Silk") {
            kindle = true
        } else if text.span(name, is: "Trident") {
            hasTrident = true
        }
    }

    /// A word of digits: the version of the platform word or phrase before it.
    private mutating func noteNumber(_ word: ByteSpan, after previous: ByteSpan, _ beforePrevious: ByteSpan, in text: UserAgentText) {
        if text.span(previous, is: "NT") {
            windowsNT = windowsNT ?? word
        } else if text.span(previous, is: "Android") {
            androidVersion = androidVersion ?? word.start
        } else if text.span(previous, is: "OS") || text.span(previous, is: "iOS") {
            iOSVersion = iOSVersion ?? word.start
        } else if text.span(previous, is: "X"), text.span(beforePrevious, is: "OS") {
            macVersion = macVersion ?? word.start
        } else if text.span(previous, is: "MSIE") {
            internetExplorer = internetExplorer ?? word.start
        }
    }

    /// A word that names a platform or a form factor, or IE 11's `rv:11.0`.
    private mutating func notePlatformWord(_ word: ByteSpan, after previous: ByteSpan, in text: UserAgentText) {
        switch word.end - word.start {
        case 2: webView = webView || text.span(word, is: "wv")
        case 3: linux = linux || text.span(word, is: "X11")
        case 4: chromeOS = chromeOS || text.span(word, is: "CrOS")
        case 5:
            linux = linux || text.span(word, is: "Linux")
            windowsPhone = windowsPhone || (text.span(word, is: "Phone") && text.span(previous, is: "Windows"))
            facebookIOS = facebookIOS || text.span(word, is: "FBIOS")
        case 6:
            mobile = mobile || text.span(word, is: "Mobile")
            tablet = tablet || text.span(word, is: "Tablet")
            linux = linux || text.span(word, is: "Ubuntu") || text.span(word, is: "Fedora")
        case 7:
            android = android || text.span(word, is: "Android")
            windows = windows || text.span(word, is: "Windows")
        case 9: macintosh = macintosh || text.span(word, is: "Macintosh")
        default: break
        }
        if text.has("iPhone", at: word.start) {
            iPhone = true
        } else if text.has("iPad", at: word.start) {
            iPad = true
        } else if text.has("iPod", at: word.start) {
            iPod = true
        } else if text.has("Kindle", at: word.start) || isKindleFireModel(word, in: text) {
            kindle = true
        } else if text.has("rv:", at: word.start) {
            tridentRevision = word.start + 3
        }
    }

    /// A Kindle Fire's model code: `KF` and at least two more capitals (`KFTRWI`, `KFMAWI`).
    private func isKindleFireModel(_ word: ByteSpan, in text: UserAgentText) -> Bool {
        guard word.end - word.start >= 4, text.has("KF", at: word.start) else { return false }
        for index in (word.start + 2)..<word.end where text[index] &- UInt8(ascii: "A") >= 26 { return false }
        return true
    }
}
