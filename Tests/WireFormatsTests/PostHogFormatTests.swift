import NIOCore
import PipelineKit
import Testing
import WireDecoding
import WireFormats

@Suite struct PostHogFormatTests {
    let limits = WireBodyLimits(maxBytes: 1 << 20)

    /// The Python SDK's batch, arriving 5 s after its `sent_at` by the server's clock.
    func pythonBatch(_ file: String) throws -> (WireBatch, Timestamp) {
        let record = try #require(try Recording.load(file).first)
        let sentAt = try #require(record.expectedValue?["sent_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        let receivedAt = Timestamp(microseconds: sentAt.microseconds + 5_000_000)
        let batch = try PostHogFormat.decode(record.postHogRequest, version: .v0, limits: limits, context: WireRequestContext(receivedAt: receivedAt))
        return (batch, receivedAt)
    }

    @Test(arguments: ["posthog_plain", "posthog_gzip"])
    func pythonV0BatchMapsFieldByField(_ file: String) throws {
        let (batch, receivedAt) = try pythonBatch(file)
        let sent = try #require(try Recording.load(file).first?.expectedValue?["batch"]?.arrayValue)
        func clientTime(_ index: Int) -> Timestamp? { sent[index]["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) } }
        #expect(batch.apiKey == "phc_test")
        #expect(batch.sentAt.map { receivedAt.microseconds - $0.microseconds } == 5_000_000)
        #expect(batch.events.count == 28)
        #expect(batch.rejections.isEmpty)
        #expect(batch.origins == Array(0..<28))

        let set = batch.events[0]
        #expect(set["event_name"] == "$set")
        #expect(set["user_id"] == "user-1")
        #expect(set.properties["$set"] == ["email": "ada@example.com", "name": "Ada", "plan": "pro", "age": 36])
        #expect(set.properties["$lib"] == "posthog-python")
        // Skew: the client's clock is 5 s behind the server's.
        #expect(set.time?.microseconds == clientTime(0).map { $0.microseconds + 5_000_000 })
        #expect(set.properties[ClockSkew.originalTimestampProperty] == sent[0]["timestamp"])
        #expect(batch.events[1].properties["$set"]?["name"] == "Bob 🐝")

        let viewed = try #require(batch.events.first { $0["event_id"] == "0190a000-0000-7000-8000-000000000001" })
        #expect(viewed["event_name"] == "product_viewed")
        #expect(viewed["session_id"] == "sess-user-1")
        let properties = viewed.properties
        #expect(properties["title"] == "Ünïcödé ✓ 🚀🎉 日本語")
        #expect(properties["price"] == 19.99)
        #expect(properties["coupon"] == .null)
        #expect(properties["tags"] == ["a", "b", 0])
        #expect(batch.events[5].properties["$groups"] == ["company": "acme"])
        // The caller's own timestamp, years before sent_at, moves by the same 5 s.
        #expect(viewed.time?.microseconds == Timestamp(iso8601: "2024-05-06T07:08:09.123456Z").map { $0.microseconds + 5_000_000 })

        let alias = try #require(batch.events.first { $0["event_name"] == "$create_alias" })
        #expect(alias["user_id"] == "anon-123")
        #expect(alias.properties["alias"] == "user-1")
        let group = try #require(batch.events.first { $0["event_name"] == "$groupidentify" })
        #expect(group.properties["$group_type"] == "company")
        #expect(group.properties["$group_set"]?["employees"] == 42)
        // Envelope members are not copied into events.
        #expect(batch.events.allSatisfy { $0.properties["api_key"] == nil && $0.properties["historical_migration"] == nil })
    }

    @Test func v1BatchTakesTheBearerKeyCreatedAtAndTopLevelSession() throws {
        let record = try #require(try Recording.load("posthog_v1_plain").first)
        let createdAt = try #require(Timestamp(iso8601: "2026-11-26T21:14:47.976339Z"))
        let context = WireRequestContext(receivedAt: createdAt, authorization: record.header("authorization"))
        let batch = try PostHogFormat.decode(record.postHogRequest, version: .v1, limits: limits, context: context)
        #expect(batch.apiKey == "phc_test")
        #expect(batch.sentAt != nil)
        #expect(batch.events.count == 28)
        #expect(batch.events[1].properties["$set"]?["name"] == "Bob 🐝")
        #expect(batch.events[1].properties["options"] == nil)
        let viewed = try #require(batch.events.first { $0["event_name"] == "product_viewed" })
        #expect(viewed["session_id"] == "sess-user-1")
    }

    @Test func browserPageviewTakesTokenDistinctIdAndTheQueryClock() throws {
        let records = try Recording.load("posthog_js_browser")
        let pageview = records[0]
        // The server's clock is 1 s ahead of the browser's `_=1796286853486`.
        let receivedAt = Timestamp(microseconds: 1_796_286_854_486_000)
        let context = WireRequestContext(receivedAt: receivedAt, query: pageview.query)
        let batch = try PostHogFormat.decode(pageview.postHogRequest, version: .v0, limits: limits, context: context)
        #expect(batch.apiKey == "phc_browser_test")
        #expect(batch.sentAt == Timestamp(microseconds: 1_796_286_853_486_000))
        let event = try #require(batch.events.first)
        #expect(event["event_id"] == "01a23b0a-3167-735a-a298-d531dc5f699d")
        #expect(event["event_name"] == "$pageview")
        #expect(event["user_id"] == "01a23b0a-3164-742b-9754-cc5e032f649f")
        #expect(event["session_id"] == "01a23b0a-316c-7420-841e-2d4ea9e0245d")
        #expect(event.time == Timestamp(iso8601: "2026-12-03T08:34:14.484Z"))
        #expect(event.properties["distinct_id"] == "01a23b0a-3164-742b-9754-cc5e032f649f")

        let identify = try #require(try PostHogFormat.decode(records[2].postHogRequest, version: .v0, limits: limits, context: context).events.first)
        #expect(identify["event_name"] == "$identify")
        #expect(identify["user_id"] == "reader-42")
        #expect(identify.properties["$anon_distinct_id"] == "01a23b0a-3164-742b-9754-cc5e032f649f")
        #expect(identify.properties["$set"] == ["email": "grace@example.com", "plan": "pro"])
    }

    @Test func browserCESU8BatchKeepsNonASCIIAndUsesEachEventsOffset() throws {
        let record = try Recording.load("posthog_js_browser")[3]
        let receivedAt = Timestamp(microseconds: 1_796_286_856_600_000)
        let batch = try PostHogFormat.decode(
            record.postHogRequest, version: .v0, limits: limits, context: WireRequestContext(receivedAt: receivedAt, query: record.query))
        #expect(batch.events.count == 7)
        #expect(batch.apiKey == "phc_browser_test")
        let read = batch.events[0]
        #expect(read["event_name"] == "article_read")
        #expect(read.properties["mood"] == "😀 ok")
        #expect(read.properties["lang"] == "日本語")
        // No timestamp: the time is the arrival minus the event's `offset` (3046 ms).
        #expect(read.time == Timestamp(microseconds: receivedAt.microseconds - 3_046_000))
        #expect(read.properties["offset"] == 3046)
        #expect(batch.events.last?["user_id"] == "reader-42")
    }

    @Test func eachShapeOfV0BodyIsRead() throws {
        let event = #"{"event":"e","distinct_id":"u","uuid":"id-1","timestamp":"2024-05-06T07:08:09Z"}"#
        let context = WireRequestContext(receivedAt: Timestamp(microseconds: 0), authorization: "Bearer phc_header")
        for body in [event, "[\(event)]", #"{"batch":[\#(event)]}"#, #"{"data":\#(event)}"#, #"{"data":[\#(event)]}"#] {
            let batch = try PostHogFormat.decode(json: Array(body.utf8), version: .v0, context: context)
            #expect(batch.events.count == 1, "\(body)")
            #expect(batch.events.first?["event_id"] == "id-1")
            #expect(batch.events.first?["timestamp"] == "2024-05-06T07:08:09Z")
            #expect(batch.apiKey == "phc_header")
        }
        let keyed = try PostHogFormat.decode(json: Array(#"{"api_key":"phc_body","batch":[]}"#.utf8), version: .v0, context: context)
        #expect(keyed.apiKey == "phc_body")
    }

    @Test func badEventsAreRejectedAtTheirIndexAndTheOthersKept() throws {
        let body = #"""
            [{"event":"ok","distinct_id":"u"}, 7, {"distinct_id":"u"}, {"event":"x"}, {"event":"x","distinct_id":"u","timestamp":"yesterday"},
             {"event":"x","distinct_id":"u","uuid":{}}, {"event":"x","distinct_id":"u","$set":[1]}, {"event":"x","distinct_id":42}]
            """#
        let receivedAt = Timestamp(microseconds: 1_700_000_000_000_000)
        let batch = try PostHogFormat.decode(json: Array(body.utf8), version: .v0, context: WireRequestContext(receivedAt: receivedAt))
        #expect(batch.origins == [0, 7])
        #expect(batch.messageCount == 8)
        #expect(batch.rejections.map(\.index) == [1, 2, 3, 4, 5, 6])
        #expect(batch.rejections.map(\.field) == [nil, "event", "distinct_id", "timestamp", "uuid", "$set"])
        #expect(batch.rejections[3].reason.contains("'yesterday' is not a time"))
        // Without a uuid the event gets a UUIDv7 of its arrival; without a timestamp, the arrival.
        let first = batch.events[0]
        let id = try #require(first["event_id"]?.stringValue)
        #expect(id.count == 36 && Array(id)[14] == "7")
        #expect(id.hasPrefix("018bcfe5-6800"))
        #expect(first.time == receivedAt)
        #expect(batch.events[1]["user_id"] == "42")
        #expect(batch.batch(receivedAt: receivedAt).rejections.count == 6)
    }

    @Test func wholeRequestFailuresSayWhatIsExpected() {
        let context = WireRequestContext(receivedAt: Timestamp(microseconds: 0))
        for body in ["", "{", "\"x\"", #"{"batch":{}}"#, #"{"foo":1}"#, #"{"data":"abc"}"#] {
            #expect(throws: WireDecodingError.self, "\(body)") { try PostHogFormat.decode(json: Array(body.utf8), version: .v0, context: context) }
        }
        #expect(throws: WireDecodingError.self) { try PostHogFormat.decode(json: Array(#"[{"event":"e"}]"#.utf8), version: .v1, context: context) }
    }

    /// The cost of refusing is bounded by the limits, not by what the body holds: a body of
    /// a million values is refused while parsing, and more events than `maxItems` before any
    /// is mapped (each would otherwise cost a rejection).
    @Test func valuesAndEventsPastTheLimitsAreRefusedBeforeTheyCost() throws {
        let context = WireRequestContext(receivedAt: Timestamp(microseconds: 0))
        let limits = WireBodyLimits(maxBytes: 2 * 1024 * 1024, maxItems: 1000)
        let values = WireBodyLimits(maxBytes: 2 * 1024 * 1024)
        let zeros = Array("[".utf8) + Array(repeating: Array("0,".utf8), count: 1_000_000).joined() + Array("0]".utf8)
        for version in [PostHogFormat.Version.v0, .v1] {
            let body = version == .v0 ? zeros : Array(#"{"batch":"#.utf8) + zeros + Array("}".utf8)
            let error = try #require(throws: WireDecodingError.self) {
                try PostHogFormat.decode(json: body, version: version, context: context, limits: values)
            }
            #expect(error.code == .tooLarge && error.message.contains("JSON values"), "\(error)")
        }
        let events = "[" + Array(repeating: #"{"event":"e","distinct_id":"u"}"#, count: 1001).joined(separator: ",") + "]"
        let tooMany = try #require(throws: WireDecodingError.self) {
            try PostHogFormat.decode(json: Array(events.utf8), version: .v0, context: context, limits: limits)
        }
        #expect(tooMany.code == .tooLarge && tooMany.message.contains("more than 1000 messages; at most 1000"), "\(tooMany)")
        let tooManyZeros = try #require(throws: WireDecodingError.self) {
            try PostHogFormat.decode(json: zeros, version: .v0, context: context, limits: WireBodyLimits(maxBytes: 2 * 1024 * 1024, maxItems: 10))
        }
        #expect(tooManyZeros.code == .tooLarge && tooManyZeros.message.contains("more than 10 messages"), "\(tooManyZeros)")
        let segment = #"{"batch":["# + Array(repeating: #"{"type":"track","event":"e","userId":"u"}"#, count: 1001).joined(separator: ",") + "]}"
        #expect(throws: WireDecodingError.self) { try SegmentFormat.decode(json: Array(segment.utf8), endpoint: .batch, context: context, limits: limits) }
    }

    @Test func personIDPlaceholdersAreNeverMergeTargets() {
        for id in ["anonymous", "null", "undefined", "0", "", "  ", "\"null\"", "[object Object]", "NaN", "None", "guest"] {
            #expect(isIllegalPersonID(id), "\(id)")
        }
        for id in ["user-1", "0190a000-0000-7000-8000-000000000001", "42", "anonymous-42"] {
            #expect(!isIllegalPersonID(id), "\(id)")
        }
    }

    @Test func uuidV7HasItsVersionVariantAndTime() {
        var generator = SystemRandomNumberGenerator()
        let id = UUIDv7.string(at: Timestamp(microseconds: 1_700_000_000_123_456), using: &generator)
        #expect(id.count == 36)
        #expect(id.hasPrefix("018bcfe5-687b-7"))
        #expect("89ab".contains(Array(id)[19]))
        #expect(UUIDv7.string(at: .now()) != UUIDv7.string(at: .now()))
    }
}
