import NIOCore
import PipelineKit
import Testing
import WireDecoding
import WireFormats

/// PostHog events decoded with their properties kept as text must come out as the tree
/// decode makes them: the same fields, rejections and envelope, and the same properties
/// once the text is parsed.
@Suite struct PostHogRawPropertiesTests {
    let context = WireRequestContext(receivedAt: Timestamp(microseconds: 1_764_191_700_000_000), authorization: "Bearer phc_bearer")

    func expectSame(_ json: [UInt8], version: PostHogFormat.Version, context: WireRequestContext, keepsText: Bool = true, _ note: String) throws {
        let tree: WireBatch
        do {
            tree = try PostHogFormat.decodeTree(json: json, version: version, context: context)
        } catch {
            let fast = #expect(throws: WireDecodingError.self, "\(note)") { try PostHogFormat.decode(json: json, version: version, context: context) }
            #expect(fast == error, "\(note)")
            return
        }
        let fast = try PostHogFormat.decode(json: json, version: version, context: context)
        #expect(fast.apiKey == tree.apiKey, "\(note)")
        #expect(fast.sentAt == tree.sentAt, "\(note)")
        #expect(fast.messageCount == tree.messageCount, "\(note)")
        #expect(fast.origins == tree.origins, "\(note)")
        #expect(fast.rejections == tree.rejections, "\(note)")
        guard fast.events.count == tree.events.count else {
            Issue.record("\(note): \(fast.events.count) events, expected \(tree.events.count)")
            return
        }
        for (fastEvent, treeEvent) in zip(fast.events, tree.events) {
            if keepsText { #expect(fastEvent.rawProperties != nil, "\(note)") }
            #expect(JSONValue.object(fastEvent.properties).sortingKeys == JSONValue.object(treeEvent.properties).sortingKeys, "\(note)")
            var fastFields = fastEvent.fields.members.filter { $0.key != "properties" }
            var treeFields = treeEvent.fields.members.filter { $0.key != "properties" }
            // A new UUIDv7 is random: equal in form only.
            if fastEvent["event_id"] != treeEvent["event_id"], fastEvent["event_id"]?.stringValue?.count == 36, treeEvent["event_id"]?.stringValue?.count == 36
            {
                fastFields.removeAll { $0.key == "event_id" }
                treeFields.removeAll { $0.key == "event_id" }
            }
            #expect(JSONValue.object(JSONObject(fastFields)).sortingKeys == JSONValue.object(JSONObject(treeFields)).sortingKeys, "\(note)")
            if let raw = fastEvent.rawProperties {
                #expect(raw.depth == JSONValue.object(fastEvent.properties).depth, "\(note)")
            }
        }
    }

    @Test(arguments: ["posthog_plain", "posthog_gzip", "posthog_js_browser", "posthog_v1_plain"])
    func everyRecordedRequestDecodesAsTheTreeDoes(_ file: String) throws {
        for (index, record) in try Recording.load(file).enumerated() {
            guard let json = try? PostHogBody.decode(record.postHogRequest, limits: WireBodyLimits(maxBytes: 1 << 22)) else { continue }
            let version: PostHogFormat.Version = record.path.contains("/i/v1/") ? .v1 : .v0
            let context = WireRequestContext(receivedAt: context.receivedAt, authorization: record.header("authorization"), query: record.query)
            let body = try? JSONParser.parse(json)
            try expectSame(json, version: version, context: context, keepsText: body?["data"] == nil, "\(file) #\(index)")
        }
    }

    @Test func handMadeEdgeCasesDecodeAsTheTreeDoes() throws {
        let bodies: [(String, PostHogFormat.Version)] = [
            (#"[{"event":"e","distinct_id":"u","properties":{}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","properties":{},"$set":{"a":1},"extra":"x"}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u"}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","properties":null,"$set":{"a":1}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","properties":[1]}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","properties":{"$set":{"a":1,"b":2}},"$set":{"b":3,"c":4}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","properties":{"$set":"text"},"$set":{"b":3}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","properties":{"$set_once":null},"$set_once":{"b":3},"$set":{"x":[1,{"y":null}]}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","properties":{"k":1},"$set":"bad"}]"#, .v0),
            (#"[{"event":"e","properties":{"distinct_id":42,"token":"phc_p","$session_id":"s1"}}]"#, .v0),
            (#"[{"event":"e","properties":{"distinct_id":""}}]"#, .v0),
            (#"[{"event":"","distinct_id":"u","properties":{"a":1}},{"event":"ok","distinct_id":"u","properties":{"a":2}}, 7, "x"]"#, .v0),
            (
                #"[{"event":"ünï 🚀","distinct_id":"日本","properties":{"t\u00e9":"\ud83d\ude80","\"q\\":"é","a\/b":1,"\u0000":2},"t\u00e9":"top","\"q\\":"top"}]"#,
                .v0
            ),
            (#"[{"event":"e","distinct_id":"u","properties":{"a":1,"a":2,"b":1},"a":3,"c":{},"d":null,"e":{"f":1}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","timestamp":"2020-01-01T00:00:00Z","properties":{"k":"v"}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","timestamp":"2020-01-01T00:00:00Z","properties":{"$original_timestamp":"kept"}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","timestamp":"2020-01-01T00:00:00Z","$original_timestamp":"top","properties":{}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","timestamp":"2025-11-26T21:14:00Z","offset":3000,"properties":{"k":"v"}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","timestamp":"not a time","properties":{"k":"v"}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","uuid":"","properties":{"k":"v"}}]"#, .v0),
            (#"[{"event":"e","distinct_id":"u","$session_id":"top","properties":{"k":"v"}}]"#, .v0),
            (
                #"{"api_key":"phc_env","sent_at":"2025-11-26T21:14:00Z","batch":[{"event":"e","distinct_id":"u","timestamp":"2025-11-26T21:13:00Z","properties":{"k":"v"}}]}"#,
                .v0
            ),
            (#"{"batch":[{"event":"e","distinct_id":"u","properties":{"k":"v","token":"phc_first"}}],"properties":{"x":1}}"#, .v0),
            (
                #"{"event":"single","distinct_id":"u","api_key":"phc_single","sent_at":"2025-11-26T21:14:00Z","timestamp":"2025-11-26T21:13:00Z","properties":{"k":"v","$set":{"a":1}},"$set":{"b":2}}"#,
                .v0
            ),
            (#"{"event":"single","distinct_id":"u","properties":{"k":  "v" , "n" : [ 1, 2 ] }}"#, .v0),
            (
                #"{"created_at":"2025-11-26T21:14:00Z","batch":[{"event":"e","distinct_id":"u","session_id":"s-top","properties":{"$session_id":"s-prop"}},{"event":"e","distinct_id":"u","session_id":5,"properties":{"$session_id":"s-prop"}}]}"#,
                .v1
            ),
            (#"{"batch":[]}"#, .v0),
            ("[]", .v0),
        ]
        for (body, version) in bodies {
            let json = Array(body.utf8)
            let keepsText = (try? JSONParser.parse(json))?.arrayValue.map { $0.allSatisfy { $0["properties"]?.objectValue != nil } } ?? true
            // Merging a top-level $set into properties.$set goes through the tree.
            let merges = body.contains(#"{"$set"#) || body.contains(#""$set":{"a":1}},"$set""#)
            try expectSame(json, version: version, context: context, keepsText: keepsText && !merges && !body.contains("\"properties\":null"), body)
        }
    }

    @Test func shapesTheFastPathLeavesToTheTreeStillDecode() throws {
        for body in [#"{"data":[{"event":"e","distinct_id":"u","properties":{"a":1}}]}"#, #"{"data":{"event":"e","distinct_id":"u"}}"#] {
            try expectSame(Array(body.utf8), version: .v0, context: context, keepsText: false, body)
        }
        for body in ["", "{", "\"x\"", #"{"batch":{}}"#, #"{"foo":1}"#, #"{"data":"abc"}"#, "[1,"] {
            let tree = #expect(throws: WireDecodingError.self) { try PostHogFormat.decodeTree(json: Array(body.utf8), version: .v0, context: context) }
            let fast = #expect(throws: WireDecodingError.self) { try PostHogFormat.decode(json: Array(body.utf8), version: .v0, context: context) }
            #expect(tree == fast, "\(body)")
        }
    }

    @Test func splicingKeepsTheTextCheckedJSON() throws {
        for text in ["{}", #"{"a":1}"#, #"{"a":{"b":[1,{}]}}"#] {
            let raw = try #require(RawJSONObject(parsing: text))
            let added = raw.appending(["$set": ["x": "é\"\\"], "k\u{1}": .null])
            let parsed = try JSONParser.parse(added.text)
            #expect(parsed["$set"]?["x"] == "é\"\\" && parsed["k\u{1}"] == .null && parsed.depth == added.depth, "\(added.text)")
            #expect(added.member("$set") == ["x": "é\"\\"] && added.member("k\u{1}") == .null && added.member("zz") == nil)
            #expect(added.keys.mayContain(Array("$set".utf8)))
            #expect(raw.appending([:]) == raw)
        }
        #expect(try #require(RawJSONObject(parsing: #"{"a":1,"a":[2]}"#)).member("a") == [2])
        #expect(RawJSONObject(parsing: "[1]") == nil && RawJSONObject(parsing: "{") == nil)
    }
}
