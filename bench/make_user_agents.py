#!/usr/bin/env python3
"""Writes bench/user-agents.txt: distinct, realistic User-Agent strings, one a line, most
common first (so a Zipf draw over line numbers gives a realistic mix).

The strings come from the templates browsers and bots use today (2024-2026), filled with
real version and build numbers and device models. Each string gets a weight (its family's
share of traffic, times a decay for older versions and rarer devices); lines are sorted by
weight, heaviest first. The output is the same on every run.

Usage: python3 bench/make_user_agents.py [output path]
"""

import sys
from pathlib import Path

# Chrome's major versions and their build numbers (Chrome/MAJOR.0.BUILD.PATCH).
CHROME_BUILDS = {
    109: 5414, 112: 5615, 114: 5735, 116: 5845, 118: 5993, 119: 6045, 120: 6099, 121: 6167,
    122: 6261, 123: 6312, 124: 6367, 125: 6422, 126: 6478, 127: 6533, 128: 6613, 129: 6668,
    130: 6723, 131: 6778, 132: 6834, 133: 6943, 134: 6998, 135: 7049, 136: 7103, 137: 7151,
    138: 7204, 139: 7258, 140: 7339, 141: 7390, 142: 7444,
}
CHROME_PATCHES = (52, 86, 119, 140, 185, 207)
LATEST_CHROME = max(CHROME_BUILDS)

# Edge's major versions and build numbers (Edg/MAJOR.0.BUILD.PATCH).
EDGE_BUILDS = {
    120: 2210, 121: 2277, 122: 2365, 123: 2420, 124: 2478, 125: 2535, 126: 2592, 127: 2651,
    128: 2739, 129: 2792, 130: 2849, 131: 2903, 132: 2957, 133: 3065, 134: 3124, 135: 3179,
    136: 3240, 137: 3296, 138: 3351,
}

# iOS releases (major, minor, patch or 0) with the Safari version each ships.
IOS_RELEASES = [
    (16, 7, 10, "16.6"), (16, 7, 11, "16.6"), (17, 0, 3, "17.0"), (17, 1, 2, "17.1"), (17, 2, 1, "17.2"),
    (17, 3, 1, "17.3"), (17, 4, 1, "17.4.1"), (17, 5, 1, "17.5"), (17, 6, 1, "17.6"), (17, 7, 0, "17.7"),
    (18, 0, 1, "18.0.1"), (18, 1, 1, "18.1.1"), (18, 2, 0, "18.2"), (18, 3, 2, "18.3.1"), (18, 4, 1, "18.4"),
    (18, 5, 0, "18.5"), (18, 6, 2, "18.6"), (18, 7, 0, "18.7"),
]
# iOS 26 and later freeze the OS in the UA at 18_6 and name Safari's own version.
SAFARI_26 = ["26.0", "26.0.1", "26.1", "26.2"]
MACOS_SAFARI = ["16.6", "17.0", "17.1", "17.2.1", "17.3.1", "17.4.1", "17.5", "17.6", "18.0", "18.1",
                "18.1.1", "18.2", "18.3", "18.3.1", "18.4", "18.5", "18.6", "26.0", "26.0.1", "26.1"]

ANDROID_PHONES = [
    ("14", "SM-S911B", "UP1A.231005.007"), ("14", "SM-S918B", "UP1A.231005.007"), ("14", "SM-A546B", "UP1A.231005.007"),
    ("14", "SM-A155F", "UP1A.231005.007"), ("13", "SM-G991B", "TP1A.220624.014"), ("13", "SM-A536B", "TP1A.220624.014"),
    ("14", "Pixel 7", "AP1A.240305.019"), ("14", "Pixel 8", "AP2A.240805.005"), ("15", "Pixel 8 Pro", "AP4A.250205.002"),
    ("15", "Pixel 9", "AP4A.250205.002"), ("13", "2201117TG", "TKQ1.221114.001"), ("14", "23129RAA4G", "UKQ1.231003.002"),
    ("14", "CPH2451", "UKQ1.230924.001"), ("13", "moto g84 5G", "U1TCS34.23-82-6"), ("12", "M2101K6G", "SKQ1.210908.001"),
    ("11", "RMX2185", "RP1A.201005.001"), ("15", "SM-S928B", "AP3A.240905.015"), ("14", "V2254", "UP1A.231005.007"),
]
ANDROID_TABLETS = [("13", "SM-X700"), ("14", "SM-X710"), ("12", "SM-T870"), ("13", "Lenovo TB-X606F"), ("14", "SM-X210")]
SAMSUNG_INTERNET = [("23.0", 115), ("24.0", 117), ("25.0", 121), ("26.0", 122), ("27.0", 125), ("28.0", 130)]
FIREFOX = [115, 121, 123, 125, 127, 128, 130, 131, 133, 135, 136, 137, 138, 139, 140, 141, 142, 143]
OPERA = [(106, 120), (107, 121), (108, 122), (109, 123), (110, 124), (112, 126), (114, 128), (115, 129), (117, 131), (120, 135)]
INSTAGRAM = ["315.0.0.29.109", "320.0.0.42.101", "325.0.2.16.92", "326.0.0.42.90", "330.0.0.40.92", "340.0.0.22.109"]
FACEBOOK = ["445.0.0.34.118", "450.0.0.42.110", "455.0.0.44.113", "460.0.0.48.109", "470.0.0.50.107"]

ANDROID_K = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko)"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
MAC_CHROME = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
MAC_SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"


def recency(version, latest, decay=0.82):
    """A weight that halves every three or four releases back from the latest."""
    return decay ** max(latest - version, 0)


def full_chrome(major, index):
    return f"{major}.0.{CHROME_BUILDS[major]}.{CHROME_PATCHES[index % len(CHROME_PATCHES)]}"


def ios_os(release):
    major, minor, patch, _ = release
    return f"{major}_{minor}" + (f"_{patch}" if patch else "")


def chrome_family(out):
    for major in CHROME_BUILDS:
        fresh = recency(major, LATEST_CHROME)
        out.append((30.0 * fresh, f"{WINDOWS} Chrome/{major}.0.0.0 Safari/537.36"))
        out.append((9.0 * fresh, f"{MAC_CHROME} Chrome/{major}.0.0.0 Safari/537.36"))
        out.append((1.5 * fresh, f"{LINUX} Chrome/{major}.0.0.0 Safari/537.36"))
        out.append((28.0 * fresh, f"{ANDROID_K} Chrome/{major}.0.0.0 Mobile Safari/537.36"))
        out.append((2.0 * fresh, f"{ANDROID_K} Chrome/{major}.0.0.0 Safari/537.36"))
        for platform, weight in (("x86_64 15633.69.0", 0.8), ("aarch64 15917.71.0", 0.4), ("x86_64 16093.68.0", 0.5)):
            out.append((weight * fresh, f"Mozilla/5.0 (X11; CrOS {platform}) AppleWebKit/537.36 (KHTML, like Gecko) "
                                        f"Chrome/{major}.0.0.0 Safari/537.36"))
        # Some installations (enterprise policy, older majors) still send the full version.
        for index in range(5):
            out.append((0.6 * fresh / (index + 1), f"{WINDOWS} Chrome/{full_chrome(major, index)} Safari/537.36"))
        for index in range(2):
            out.append((0.3 * fresh / (index + 1), f"{MAC_CHROME} Chrome/{full_chrome(major, index)} Safari/537.36"))
            out.append((0.2 * fresh / (index + 1), f"Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) "
                                                   f"Chrome/{full_chrome(major, index + 2)} Safari/537.36"))
        for index, release in enumerate(IOS_RELEASES[-4:]):
            out.append((3.0 * fresh * recency(index, 3, 0.85),
                        f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios_os(release)} like Mac OS X) AppleWebKit/605.1.15 "
                        f"(KHTML, like Gecko) CriOS/{full_chrome(major, index)} Mobile/15E148 Safari/604.1"))
        out.append((0.5 * fresh, f"Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                                 f"CriOS/{full_chrome(major, 1)} Mobile/15E148 Safari/604.1"))
        # Android web views say the phone's real Android version and model (five phones a
        # major, taken in turn).
        for offset in range(5):
            index = (major + offset * 7) % len(ANDROID_PHONES)
            android, model, build = ANDROID_PHONES[index]
            out.append((1.2 * fresh * recency(index, len(ANDROID_PHONES), 0.95),
                        f"Mozilla/5.0 (Linux; Android {android}; {model} Build/{build}; wv) AppleWebKit/537.36 "
                        f"(KHTML, like Gecko) Version/4.0 Chrome/{full_chrome(major, index)} Mobile Safari/537.36"))


def safari_family(out):
    latest = len(IOS_RELEASES) - 1
    for index, release in enumerate(IOS_RELEASES):
        fresh = recency(index, latest, 0.8)
        os_version, safari = ios_os(release), release[3]
        iphone = f"Mozilla/5.0 (iPhone; CPU iPhone OS {os_version} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        out.append((40.0 * fresh, f"{iphone} Version/{safari} Mobile/15E148 Safari/604.1"))
        out.append((6.0 * fresh, f"Mozilla/5.0 (iPad; CPU OS {os_version} like Mac OS X) AppleWebKit/605.1.15 "
                                 f"(KHTML, like Gecko) Version/{safari} Mobile/15E148 Safari/604.1"))
        out.append((5.0 * fresh, f"{iphone} Mobile/15E148"))
        for build in ("300.0.598199355", "320.0.642913406", "345.0.701342855"):
            out.append((1.5 * fresh, f"{iphone} GSA/{build} Mobile/15E148 Safari/604.1"))
        for app_index, version in enumerate(INSTAGRAM):
            out.append((0.8 * fresh / (app_index + 1),
                        f"{iphone} Mobile/15E148 Instagram {version} (iPhone14,5; iOS {os_version}; en_US; en; "
                        f"scale=3.00; 1170x2532; 5821{app_index}8270)"))
        for app_index, version in enumerate(FACEBOOK):
            out.append((0.8 * fresh / (app_index + 1),
                        f"{iphone} Mobile/15E148 [FBAN/FBIOS;FBAV/{version};FBBV/58743241{app_index};FBDV/iPhone15,2;"
                        f"FBMD/iPhone;FBSN/iOS;FBSV/{os_version.replace('_', '.')};FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]"))
    for index, safari in enumerate(SAFARI_26):
        fresh = recency(index, len(SAFARI_26) - 1, 0.7)
        out.append((30.0 * fresh, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 "
                                  f"(KHTML, like Gecko) Version/{safari} Mobile/15E148 Safari/604.1"))
    for index, safari in enumerate(MACOS_SAFARI):
        out.append((10.0 * recency(index, len(MACOS_SAFARI) - 1, 0.8), f"{MAC_SAFARI} Version/{safari} Safari/605.1.15"))
    out.append((4.0, MAC_SAFARI))


def other_browsers(out):
    for major in FIREFOX:
        fresh = recency(major, FIREFOX[-1], 0.8)
        out.append((5.0 * fresh, f"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"))
        out.append((1.5 * fresh, f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"))
        out.append((1.5 * fresh, f"Mozilla/5.0 (X11; Linux x86_64; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"))
        out.append((0.6 * fresh, f"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"))
        for android in (13, 14, 15):
            out.append((0.5 * fresh, f"Mozilla/5.0 (Android {android}; Mobile; rv:{major}.0) Gecko/{major}.0 Firefox/{major}.0"))
        out.append((0.8 * fresh, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
                                 f"(KHTML, like Gecko) FxiOS/{major}.0 Mobile/15E148 Safari/605.1.15"))
    for major, build in EDGE_BUILDS.items():
        fresh = recency(major, max(EDGE_BUILDS))
        chrome = min(major, LATEST_CHROME)
        out.append((10.0 * fresh, f"{WINDOWS} Chrome/{chrome}.0.0.0 Safari/537.36 Edg/{major}.0.0.0"))
        out.append((1.0 * fresh, f"{WINDOWS} Chrome/{chrome}.0.0.0 Safari/537.36 Edg/{major}.0.{build}.86"))
        out.append((1.0 * fresh, f"{MAC_CHROME} Chrome/{chrome}.0.0.0 Safari/537.36 Edg/{major}.0.0.0"))
        out.append((0.8 * fresh, f"{ANDROID_K} Chrome/{chrome}.0.0.0 Mobile Safari/537.36 EdgA/{major}.0.0.0"))
        out.append((0.5 * fresh, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
                                 f"(KHTML, like Gecko) Version/18.0 EdgiOS/{major}.0.{build}.60 Mobile/15E148 Safari/605.1.15"))
    for index, (version, chrome) in enumerate(SAMSUNG_INTERNET):
        fresh = recency(index, len(SAMSUNG_INTERNET) - 1, 0.7)
        out.append((4.0 * fresh, f"{ANDROID_K} SamsungBrowser/{version} Chrome/{chrome}.0.0.0 Mobile Safari/537.36"))
        for android, model, _ in ANDROID_PHONES[:6]:
            out.append((0.4 * fresh, f"Mozilla/5.0 (Linux; Android {android}; SAMSUNG {model}) AppleWebKit/537.36 "
                                     f"(KHTML, like Gecko) SamsungBrowser/{version} Chrome/{chrome}.0.0.0 Mobile Safari/537.36"))
        for android, model in ANDROID_TABLETS:
            out.append((0.2 * fresh, f"Mozilla/5.0 (Linux; Android {android}; SAMSUNG {model}) AppleWebKit/537.36 "
                                     f"(KHTML, like Gecko) SamsungBrowser/{version} Chrome/{chrome}.0.0.0 Safari/537.36"))
    for index, (opera, chrome) in enumerate(OPERA):
        fresh = recency(index, len(OPERA) - 1, 0.8)
        out.append((1.5 * fresh, f"{WINDOWS} Chrome/{chrome}.0.0.0 Safari/537.36 OPR/{opera}.0.0.0"))
        out.append((0.4 * fresh, f"{MAC_CHROME} Chrome/{chrome}.0.0.0 Safari/537.36 OPR/{opera}.0.0.0"))
        out.append((0.4 * fresh, f"{ANDROID_K} Chrome/{chrome}.0.0.0 Mobile Safari/537.36 OPR/{opera - 28}.4.4244.77863"))
    for index, (android, model, build) in enumerate(ANDROID_PHONES):
        for app_index, version in enumerate(INSTAGRAM[:3]):
            out.append((0.5 / (index + 1) / (app_index + 1),
                        f"Mozilla/5.0 (Linux; Android {android}; {model} Build/{build}; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
                        f"Version/4.0 Chrome/{full_chrome(124, index)} Mobile Safari/537.36 Instagram {version} Android "
                        f"(3{android}/{android}; 450dpi; 1080x2177; samsung; {model}; a53x; s5e8825; en_GB; 58519663{app_index})"))
        for app_index, version in enumerate(FACEBOOK[:3]):
            out.append((0.5 / (index + 1) / (app_index + 1),
                        f"Mozilla/5.0 (Linux; Android {android}; {model} Build/{build}; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
                        f"Version/4.0 Chrome/{full_chrome(125, index)} Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/{version};]"))
    for kindle, silk, chrome in (("KFTRWI", "120.3.1", 120), ("KFMAWI", "118.2.1", 118), ("KFONWI", "114.4.1", 114)):
        out.append((0.3, f"Mozilla/5.0 (Linux; Android 11; {kindle}) AppleWebKit/537.36 (KHTML, like Gecko) Silk/{silk} "
                         f"like Chrome/{full_chrome(chrome, 2)} Safari/537.36"))


def bots(out):
    crawler_versions = {
        "Googlebot": ["2.1"], "bingbot": ["2.0"], "YandexBot": ["3.0"], "Baiduspider": ["2.0"], "AhrefsBot": ["7.0"],
        "SemrushBot": ["7~bl"], "DotBot": ["1.2"], "PetalBot": [""], "Discordbot": ["2.0"], "Pinterestbot": ["1.0"],
        "SeznamBot": ["4.0"], "MJ12bot": ["v1.4.8"], "DataForSeoBot": ["1.0"], "BLEXBot": ["1.0"],
    }
    for name, versions in crawler_versions.items():
        for version in versions:
            token = f"{name}/{version}" if version else name
            out.append((1.2, f"Mozilla/5.0 (compatible; {token}; +http://www.example-crawler.com/{name.lower()}.html)"))
    for chrome in (120, 125, 128, 131, 134, 137, 140):
        full = full_chrome(chrome, chrome)
        out.append((1.0, f"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
                         f"+http://www.google.com/bot.html) Chrome/{full} Safari/537.36"))
        out.append((1.0, f"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
                         f"Chrome/{full} Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"))
        out.append((0.5, f"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
                         f"+http://www.bing.com/bingbot.htm) Chrome/{full} Safari/537.36"))
        out.append((0.5, f"{LINUX} HeadlessChrome/{full} Safari/537.36"))
        out.append((0.3, f"{WINDOWS} HeadlessChrome/{full} Safari/537.36"))
        out.append((0.3, f"Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) "
                         f"Chrome/{chrome}.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"))
        out.append((0.3, f"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; "
                         f"+https://developer.amazon.com/support/amazonbot) Chrome/{full} Safari/537.36"))
    fixed = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 "
        "Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
        "Twitterbot/1.0",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Slack-ImgProxy (+https://api.slack.com/robots)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
        "Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/70.0.0.0 Safari/537.36",
        "CCBot/2.0 (https://commoncrawl.org/faq/)",
        "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
        "Iframely/1.3.1 (+https://iframely.com/docs/about)",
        "AdsBot-Google (+http://www.google.com/adsbot.html)",
        "Mediapartners-Google",
        "Googlebot-Image/1.0",
    ]
    out.extend((0.8, ua) for ua in fixed)
    for version in ("2.23.20.0", "2.23.24.82", "2.24.6.77 i", "2.2413.51 A", "2.2421.6 A", "2.24.14.79 i"):
        out.append((0.4, f"WhatsApp/{version}"))
    libraries = {
        "curl": ["7.68.0", "7.81.0", "7.88.1", "8.4.0", "8.5.0", "8.7.1", "8.9.1", "8.11.1"],
        "Wget": ["1.20.3", "1.21.2", "1.21.4", "1.24.5"],
        "python-requests": ["2.28.1", "2.28.2", "2.31.0", "2.32.2", "2.32.3"],
        "Python-urllib": ["3.9", "3.10", "3.11", "3.12"],
        "python-httpx": ["0.25.2", "0.27.0", "0.28.1"],
        "Go-http-client": ["1.1", "2.0"],
        "okhttp": ["4.9.3", "4.11.0", "4.12.0", "5.0.0-alpha.14"],
        "axios": ["1.6.2", "1.6.8", "1.7.2", "1.7.9"],
        "PostmanRuntime": ["7.36.3", "7.37.3", "7.39.0", "7.42.0"],
        "Scrapy": ["2.11.0", "2.11.2"],
        "Java": ["11.0.22", "17.0.10", "21.0.2"],
    }
    for name, versions in libraries.items():
        for index, version in enumerate(versions):
            out.append((0.6 / (index + 1), f"{name}/{version}"))
    for version in ("4.5.13", "4.5.14"):
        out.append((0.3, f"Apache-HttpClient/{version} (Java/17.0.10)"))
    for python, aiohttp in (("3.10", "3.8.6"), ("3.11", "3.9.5"), ("3.12", "3.10.5")):
        out.append((0.3, f"Python/{python} aiohttp/{aiohttp}"))


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("user-agents.txt")
    weighted = []
    for family in (chrome_family, safari_family, other_browsers, bots):
        family(weighted)
    best = {}
    for weight, ua in weighted:
        best[ua] = max(weight, best.get(ua, 0.0))
    lines = sorted(best, key=lambda ua: (-best[ua], ua))
    output.write_text("".join(ua + "\n" for ua in lines))
    print(f"{len(lines)} distinct user agents in {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
