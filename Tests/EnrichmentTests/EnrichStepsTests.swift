import Foundation
import PipelineKit
import Stages
import Testing

/// An event whose properties are the compact text of `properties`, as the ingest parser
/// hands them on (the form the derived steps must keep).
func textEvent(_ properties: String, name: String = "page_view", user: String = "u1") throws -> Event {
    let body = #"{"events":[{"event_id":"e","properties":\#(properties)}]}"#
    let raw = try #require(try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events").body.properties.first ?? nil)
    return Event(eventID: "e1", eventName: name, userID: user, propertiesJSON: raw.text, keys: raw.keys, timestamp: .now(), receivedAt: .now())
}

/// The stage `steps` (YAML under `- enrich:`) builds, from a config compiled as the daemon's is.
func enrichStage(_ steps: String, environment: [String: String] = [:], directory: String = "/tmp") async throws -> EnrichStage {
    let graph = try compileEnrich(steps, environment: environment, directory: directory)
    let config = try #require(graph.stages[1].config(as: EnrichStageKind.self))
    return try await EnrichStageKind.build(config, context: BuildContext(baseDirectory: directory, logger: .init(label: "test"), role: .all))
}

func compileEnrich(_ steps: String, environment: [String: String] = [:], directory: String = "/tmp") throws -> CheckedGraph {
    let yaml = """
        stages:
          - validate
          - enrich:
        \(steps.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
          - queue: {embedded: {path: q.sqlite}}
          - persist: {sqlite: {path: s.sqlite}}
          - aggregate
        """
    return try GraphCompiler.compile(PipelineDocument.parse(yaml, file: directory + "/pipeline.yaml", environment: environment), plugins: .builtIn)
}

/// The config problems of `steps`, as `line: message`.
func enrichIssues(_ steps: String, environment: [String: String] = [:], directory: String = "/tmp") -> [String] {
    do {
        _ = try compileEnrich(steps, environment: environment, directory: directory)
        return []
    } catch let error as ConfigError {
        return error.issues.map { "\($0.line): \($0.message)" }
    } catch {
        return ["0: \(error)"]
    }
}

func enrich(_ stage: EnrichStage, _ events: [Event], context: IngestContext = IngestContext()) async throws -> [Event] {
    try await stage.process(Batch(events, context: context)).items
}

@Suite struct EnrichPropertyStepsTests {
    @Test func renameCopyKeepAndTextEditsOnTextAndTrees() async throws {
        let stage = try await enrichStage(
            """
            - rename: {email_address: email, gone: nowhere}
            - copy: {email: contact}
            - lowercase: {event_name: true, properties: [email, n]}
            - trim: {properties: [email]}
            - keep: [email, contact, n]
            """)
        let text = try textEvent(#"{"email_address":"  Ann@Example.COM ","n":1,"secret":"x"}"#, name: "Sign Up")
        let tree = Event(
            eventID: "e2", eventName: "Sign Up", userID: "u", properties: ["email_address": "  Ann@Example.COM ", "n": 1, "secret": "x"],
            timestamp: .now(), receivedAt: .now())
        for output in try await enrich(stage, [text, tree]) {
            #expect(output.eventName == "sign up")
            #expect(output.properties == ["n": 1, "email": "ann@example.com", "contact": "  Ann@Example.COM "])
        }
    }

    @Test func trimNeverEmptiesTheName() async throws {
        let stage = try await enrichStage("- trim: {event_name: true}")
        let output = try await enrich(stage, [try textEvent("{}", name: "   "), try textEvent("{}", name: " a ")])
        #expect(output.map(\.eventName) == ["   ", "a"])
    }

    @Test func setDefaultKeepsTextAsText() async throws {
        let stage = try await enrichStage("- set_default: {plan: free, n: 0}")
        let output = try await enrich(stage, [try textEvent(#"{"n":1,"t":"\u00dc"}"#)])
        #expect(output[0].propertiesJSON == #"{"n":1,"t":"\u00dc","plan":"free"}"#)
    }

    @Test func stepsAreCheckedWhereTheyAreWritten() {
        #expect(enrichIssues("- sett: {a: 1}").first?.contains("unknown enrich step 'sett' (did you mean 'set'?)") == true)
        #expect(enrichIssues("- useragent").first?.contains("did you mean 'user_agent'") == true)
        #expect(enrichIssues("- drop").first?.contains("step 'drop' needs options") == true)
        #expect(enrichIssues("- {set: {a: 1}, drop: [b]}").first?.contains("2 keys") == true)
        #expect(enrichIssues("- rename: {a: 1}").first?.contains("non-empty property name") == true)
        #expect(enrichIssues("- lowercase: {}").first?.contains("edits nothing") == true)
        #expect(enrichIssues("- ip: {mode: anonymise}").first?.contains("did you mean 'anonymize'") == true)
        #expect(enrichIssues("- url: {current: x}").first?.contains("unknown field 'current'") == true)
        // The enrich list starts on line 4 of the compiled file.
        #expect(enrichIssues("- drop: [a]\n- sett: {a: 1}").first?.hasPrefix("5: ") == true)
    }
}

@Suite struct EnrichDerivedStepsTests {
    static let chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

    @Test func userAgentFromThePropertyOrTheHeaderWithoutOverwriting() async throws {
        let stage = try await enrichStage("- user_agent")
        let fromProperty = try textEvent(#"{"$raw_user_agent":"\#(Self.chrome)"}"#)
        let fromHeader = try textEvent(#"{"a":1}"#)
        let sdkSet = try textEvent(#"{"$browser":"Firefox","$os":"Linux"}"#)
        let crawler = IngestContext(userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
        let output = try await enrich(stage, [fromProperty, fromHeader, sdkSet], context: crawler)
        #expect(output[0].properties["$browser"] == "Chrome")
        #expect(output[0].properties["$os"] == "Windows")
        #expect(output[0].properties["$device_type"] == "Desktop")
        #expect(output[0].properties["$is_bot"] == false)
        #expect(output[0].propertiesJSON.hasPrefix(#"{"$raw_user_agent":"#))
        #expect(output[1].properties["$is_bot"] == true)
        #expect(output[1].properties["$device_type"] == "Bot")
        #expect(output[2].properties["$browser"] == "Firefox")
        #expect(output[2].properties["$os"] == "Linux")
        // A backend's library in the header says nothing about the user.
        for library in ["posthog-python/7.91.1", "curl/8.5.0", "python-requests/2.32.3"] {
            let sent = try await enrich(stage, [try textEvent(#"{"a":1}"#)], context: IngestContext(userAgent: library))
            #expect(sent[0].propertiesJSON == #"{"a":1}"#)
        }
        // Segment's analytics.js puts it in context.userAgent.
        let segment = try await enrich(stage, [try textEvent(#"{"context":{"userAgent":"\#(Self.chrome)"}}"#)])
        #expect(segment[0].properties["$browser"] == "Chrome")
    }

    @Test func urlTagsHostPathAndReferrer() async throws {
        let stage = try await enrichStage("- url: {internal_domains: [example-pay.com]}")
        let campaign = try textEvent(
            #"{"$current_url":"https://Shop.Example.com/p/1?utm_source=news&utm_medium=email&gclid=abc&x=1","$referrer":"https://www.google.de/search?q=x"}"#)
        let direct = try textEvent(#"{"$current_url":"https://shop.example.com/","$referrer":"$direct","utm_source":"sdk"}"#)
        let internalVisit = try textEvent(#"{"$current_url":"https://shop.example.com/b?utm_source=late","$referrer":"https://pay.example-pay.com/ok"}"#)
        let output = try await enrich(stage, [campaign, direct, internalVisit])
        let first = output[0].properties
        #expect(first["$host"] == "shop.example.com")
        #expect(first["$pathname"] == "/p/1")
        #expect(first["utm_source"] == "news")
        #expect(first["utm_medium"] == "email")
        #expect(first["gclid"] == "abc")
        #expect(first["x"] == nil)
        #expect(first["$referring_domain"] == "www.google.de")
        #expect(first["$referrer_kind"] == "search")
        #expect(output[1].properties["$referring_domain"] == "$direct")
        #expect(output[1].properties["$referrer_kind"] == "direct")
        #expect(output[1].properties["utm_source"] == "sdk")
        #expect(output[2].properties["$referrer_kind"] == "internal")
        #expect(output[2].properties["utm_source"] == "late")
        // A tag the SDK already set wins over the URL's, also when the rest comes from the cache.
        for _ in 0..<2 {
            let both = try await enrich(stage, [try textEvent(#"{"$current_url":"https://shop.example.com/b?utm_source=late","utm_source":"sdk"}"#)])
            #expect(both[0].properties["utm_source"] == "sdk")
            #expect(both[0].properties["$pathname"] == "/b")
            #expect(try JSONParser.memberKeys(ofObject: both[0].propertiesJSON).filter { $0 == "utm_source" }.count == 1)
        }
        // Segment's SDKs put the page in context.page.
        let segment = try await enrich(
            stage, [try textEvent(#"{"context":{"page":{"url":"https://shop.example.com/c?fbclid=f","referrer":"https://t.co/x"}}}"#)])
        #expect(segment[0].properties["$pathname"] == "/c")
        #expect(segment[0].properties["fbclid"] == "f")
        #expect(segment[0].properties["$referrer_kind"] == "social")
    }

    @Test func ipKeptAnonymizedOrOmitted() async throws {
        let context = IngestContext(clientIP: "203.0.113.77")
        let plain = try textEvent(#"{"a":1}"#)
        let forwarded = try textEvent(#"{"$ip":"2001:db8:1:2::5"}"#)
        let keep = try await enrich(try await enrichStage("- ip: {mode: keep}"), [plain, forwarded], context: context)
        #expect(keep[0].properties["$ip"] == "203.0.113.77")
        #expect(keep[1].properties["$ip"] == "2001:db8:1:2::5")
        let anonymize = try await enrich(try await enrichStage("- ip"), [plain, forwarded, try textEvent(#"{"$ip":"nonsense"}"#)], context: context)
        #expect(anonymize[0].properties["$ip"] == "203.0.113.0")
        #expect(anonymize[1].properties["$ip"] == "2001:db8:1::")
        #expect(anonymize[2].properties["$ip"] == nil)
        let omit = try await enrich(try await enrichStage("- ip: {mode: omit}"), [plain, forwarded], context: context)
        #expect(omit.allSatisfy { $0.properties["$ip"] == nil })
        let none = try await enrich(try await enrichStage("- user_agent"), [plain], context: context)
        #expect(none[0].properties["$ip"] == nil)
        // Segment's server-side SDKs forward their user's address in context.ip.
        let segment = try textEvent(#"{"context":{"ip":"198.51.100.23","library":{"name":"analytics-python"}}}"#)
        let anonymized = try await enrich(try await enrichStage("- ip"), [segment], context: context)[0].properties
        #expect(anonymized["$ip"] == "198.51.100.0")
        #expect(anonymized["context"] == ["ip": "198.51.100.0", "library": ["name": "analytics-python"]])
        let omitted = try await enrich(try await enrichStage("- ip: {mode: omit}"), [segment], context: context)[0].properties
        #expect(omitted["$ip"] == nil)
        #expect(omitted["context"] == ["library": ["name": "analytics-python"]])
        let kept = try await enrich(try await enrichStage("- ip: {mode: keep}"), [segment], context: context)[0].properties
        #expect(kept["$ip"] == "198.51.100.23")
    }

    @Test func hashPseudonymizesWithTheSecretAndNeverShowsIt() async throws {
        let secret = "s3cret-s3cret-s3cret"
        let environment = ["SMOLHOG_HASH_SECRET": secret]
        let stage = try await enrichStage("- hash: {properties: [email, age], user_id: true}", environment: environment)
        let output = try await enrich(stage, [try textEvent(#"{"email":"ann@example.com","age":41,"none":null}"#, user: "ann")])
        let properties = output[0].properties
        #expect(properties["email"]?.stringValue?.count == 64)
        #expect(properties["email"] != "ann@example.com")
        #expect(properties["age"]?.stringValue?.count == 64)
        #expect(output[0].userID.count == 64)
        let again = try await enrich(stage, [try textEvent(#"{"email":"ann@example.com"}"#, user: "ann")])
        #expect(again[0].properties["email"] == properties["email"])
        #expect(again[0].userID == output[0].userID)

        let unset = enrichIssues("- hash: {properties: [email]}")
        #expect(unset.first?.contains("environment variable SMOLHOG_HASH_SECRET is not set") == true)
        let short = enrichIssues("- hash: {properties: [email], secret_env: MY_KEY}", environment: ["MY_KEY": "tiny-secret"])
        #expect(short.first?.contains("holds 11 bytes") == true)
        #expect(short.allSatisfy { !$0.contains("tiny-secret") })
        let graph = try compileEnrich("- hash: {properties: [email]}", environment: environment)
        #expect(!graph.summary.contains(secret))
        #expect(!String(describing: graph.stages[1].config(as: EnrichStageKind.self) as Any).contains(secret))
    }
}
