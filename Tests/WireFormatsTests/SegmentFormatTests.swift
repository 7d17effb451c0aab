import NIOCore
import PipelineKit
import Testing
import WireDecoding
import WireFormats

@Suite struct SegmentFormatTests {
    let limits = WireBodyLimits(maxBytes: 1 << 20)

    @Test(arguments: ["segment_plain", "segment_gzip"])
    func pythonBatchMapsEveryMessageType(_ file: String) throws {
        let record = try #require(try Recording.load(file).first)
        let sent = try #require(record.expectedValue)
        let sentAt = try #require(sent["sentAt"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        let receivedAt = Timestamp(microseconds: sentAt.microseconds - 2_000_000)
        let context = WireRequestContext(receivedAt: receivedAt, authorization: record.header("authorization"))
        let batch = try SegmentFormat.decode(
            body: record.body, contentEncoding: record.header("content-encoding"), endpoint: .batch, limits: limits, context: context)
        #expect(batch.apiKey == "seg_test_write_key")
        #expect(batch.sentAt == sentAt)
        #expect(batch.events.count == 29)
        #expect(batch.rejections.isEmpty)
        let messages = try #require(sent["batch"]?.arrayValue)

        let identify = batch.events[0]
        #expect(identify["event_name"] == "$identify")
        #expect(identify["event_id"] == messages[0]["messageId"])
        #expect(identify["user_id"] == "user-1")
        #expect(identify.properties["$set"] == ["email": "ada@example.com", "name": "Ada", "plan": "pro", "age": 36])
        #expect(identify.properties["anonymousId"] == .null)
        #expect(identify.properties["userId"] == "user-1")
        #expect(identify.properties["context"]?["library"]?["name"] == "analytics-python")
        #expect(batch.events[1].properties["$set"]?["name"] == "Bob 🐝")
        // The client's clock is 2 s ahead: every time moves back by 2 s, the original kept.
        let clientTime = try #require(messages[0]["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) })
        #expect(identify.time?.microseconds == clientTime.microseconds - 2_000_000)
        #expect(identify.properties[ClockSkew.originalTimestampProperty] == messages[0]["timestamp"])

        let tracks = batch.events.filter { $0.properties["context"]?["ip"] != nil }
        let track = try #require(tracks.first)
        let trackMessage = try #require(messages.first { $0["messageId"] == track["event_id"] })
        #expect(track["event_name"] == trackMessage["event"])
        #expect(track.properties["context"]?["traits"] == ["plan": "pro"])
        #expect(track.properties["integrations"] == ["All": true])
        #expect(batch.events.contains { $0.properties["title"] == "Ünïcödé ✓ 🚀🎉 日本語" })

        let page = try #require(batch.events.first { $0["event_name"] == "$pageview" })
        #expect(page.properties["name"] == "Getting Started")
        #expect(page.properties["category"] == "Docs")
        #expect(page.properties["path"] == "/docs")
        let screen = try #require(batch.events.first { $0["event_name"] == "$screen" })
        #expect(screen.properties["name"] == "Settings")
        #expect(screen.properties["theme"] == "dark")
        let alias = try #require(batch.events.first { $0["event_name"] == "$create_alias" })
        #expect(alias["user_id"] == "anon-123")
        #expect(alias.properties["alias"] == "user-1")
        let group = try #require(batch.events.first { $0["event_name"] == "$groupidentify" })
        #expect(group["user_id"] == "user-1")
        #expect(group.properties["$group_type"] == "group")
        #expect(group.properties["$group_key"] == "acme")
        #expect(group.properties["$group_set"] == ["name": "Acme Inc", "employees": 42])
        #expect(batch.events.allSatisfy { $0.properties["writeKey"] == nil })
    }

    @Test func singleMessageEndpointsImplyTheTypeAndTheBodyKey() throws {
        let receivedAt = Timestamp(microseconds: 1_700_000_000_000_000)
        let context = WireRequestContext(receivedAt: receivedAt)
        let track = #"{"writeKey":"wk","event":"Signed Up","anonymousId":"anon-1","userId":null,"timestamp":1700000000,"context":{"sessionId":"s-1"}}"#
        let batch = try SegmentFormat.decode(json: Array(track.utf8), endpoint: .track, context: context)
        #expect(batch.apiKey == "wk")
        let event = try #require(batch.events.first)
        #expect(event["event_name"] == "Signed Up")
        #expect(event["user_id"] == "anon-1")
        #expect(event["session_id"] == "s-1")
        #expect(event.time == Timestamp(microseconds: 1_700_000_000_000_000))
        let epochMillis = #"{"type":"identify","userId":"u","traits":null,"context":{"traits":{"plan":"pro"}},"timestamp":1700000000123}"#
        let identify = try #require(try SegmentFormat.decode(json: Array(epochMillis.utf8), endpoint: .identify, context: context).events.first)
        #expect(identify.properties["$set"] == ["plan": "pro"])
        #expect(identify.time == Timestamp(microseconds: 1_700_000_000_123_000))
        let mismatch = try SegmentFormat.decode(json: Array(#"{"type":"page","userId":"u"}"#.utf8), endpoint: .track, context: context)
        #expect(mismatch.rejections.first?.field == "type")
    }

    @Test func aMessageOver32KiBIsRefusedAndTheOthersKept() throws {
        let big = String(repeating: "x", count: 33 * 1024)
        let body =
            #"{"batch":[{"type":"track","event":"a","userId":"u"},{"type":"track","event":"b","userId":"u","properties":{"blob":"\#(big)"}},{"type":"track","event":"c","userId":"u"}]}"#
        let batch = try SegmentFormat.decode(json: Array(body.utf8), endpoint: .batch, context: WireRequestContext(receivedAt: .now()))
        #expect(batch.origins == [0, 2])
        #expect(batch.rejections.count == 1)
        #expect(batch.rejections.first?.index == 1)
        #expect(batch.rejections.first?.reason.contains("at most 32768 bytes") == true)
    }

    @Test func badMessagesAreRejectedWithTheWireField() throws {
        let body = #"""
            {"batch":[{"type":"track","userId":"u"},{"type":"track","event":"e"},{"type":"fly","userId":"u"},{"type":"group","userId":"u"},
             {"type":"alias","userId":"u"},{"type":"track","event":"e","userId":"u","timestamp":"soon"},{"event":"e","userId":"u"},
             {"type":"track","event":"e","anonymousId":"a","userId":null}]}
            """#
        let batch = try SegmentFormat.decode(json: Array(body.utf8), endpoint: .batch, context: WireRequestContext(receivedAt: .now()))
        #expect(batch.rejections.map(\.field) == ["event", "userId", "type", "groupId", "previousId", "timestamp", "type"])
        #expect(batch.origins == [7])
        #expect(throws: WireDecodingError.self) {
            try SegmentFormat.decode(json: Array(#"{"messages":[]}"#.utf8), endpoint: .batch, context: WireRequestContext(receivedAt: .now()))
        }
        #expect(throws: WireDecodingError.self) {
            try SegmentFormat.decode(
                body: ByteBuffer(string: "{}"), contentEncoding: "br", endpoint: .batch, limits: limits, context: WireRequestContext(receivedAt: .now()))
        }
    }

    @Test func basicAuthUserIsTheWriteKey() {
        #expect(SegmentFormat.basicUser("Basic c2VnX3Rlc3Rfd3JpdGVfa2V5Og==") == "seg_test_write_key")
        #expect(SegmentFormat.basicUser("Bearer x") == nil)
        #expect(SegmentFormat.basicUser("Basic !!") == nil)
        #expect(PostHogFormat.bearerToken("Bearer  phc_x ") == "phc_x")
    }

    /// Found by fuzz-segment: a sent-at in the year 5425 moved the corrected time before year
    /// 1, which ISO-8601 text cannot carry; that message is refused, naming the field.
    @Test func aSentAtThatMovesTheTimeOutOfRangeRefusesTheMessage() throws {
        let body = #"{"sentAt":"5425-11-26T21:14:49Z","batch":[{"type":"track","event":"e","userId":"u","timestamp":"2026-11-26T21:14:48Z"}]}"#
        let batch = try SegmentFormat.decode(
            json: Array(body.utf8), endpoint: .batch, context: WireRequestContext(receivedAt: Timestamp(microseconds: 1_796_286_854_000_000)))
        #expect(batch.events.isEmpty)
        #expect(batch.rejections.map(\.field) == ["timestamp"])
        #expect(batch.rejections.first?.reason.contains("outside years 1–9999") == true)
    }
}
