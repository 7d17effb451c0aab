import PipelineKit
import Testing

@Suite struct EventBatchCodecTests {
    let events = [
        Event(
            eventID: "e-1", eventName: "Order \"Completed\"", userID: "ü1",
            properties: ["price": 19.99, "tags": ["a", 0, nil], "deep": .object(["x": true])],
            timestamp: Timestamp(microseconds: 1_714_979_289_123_456), sessionID: "s1", receivedAt: Timestamp(microseconds: 1_714_979_290_000_000)),
        Event(eventID: "e-2", eventName: "x", userID: "u", timestamp: Timestamp(microseconds: -5), receivedAt: Timestamp(microseconds: 1)),
    ]

    @Test func roundTripsEveryField() throws {
        let decoded = try EventBatchCodec.decode(EventBatchCodec.encode(events))
        #expect(decoded == events)
        // The worker hands this text to the store unparsed: it must be the compact form.
        #expect(decoded[0].propertiesJSON == #"{"price":19.99,"tags":["a",0,null],"deep":{"x":true}}"#)
    }

    @Test func readsVersion1MessagesQueuedByAnOlderBuild() throws {
        let body = #"""
            {"v":1,"events":[{"event_id":"e-1","event_name":"signup","user_id":"u1","properties":{"plan":"pro"},
            "timestamp":"2024-05-06T07:08:09.123456Z","session_id":null,"received_at":"2024-05-06T07:08:10Z"}]}
            """#
        let decoded = try EventBatchCodec.decode(Array(body.utf8))
        #expect(decoded.map(\.eventID) == ["e-1"])
        #expect(decoded[0].properties == ["plan": "pro"])
        #expect(decoded[0].timestamp == Timestamp(iso8601: "2024-05-06T07:08:09.123456Z"))
    }

    @Test(arguments: [
        ("not json", "version 110 is not supported"),
        (#"{"events":[]}"#, "version"),
        (#"{"v":2,"events":[]}"#, "version 2 is not supported"),
        (#"{"v":1,"events":[{"event_id":"a"}]}"#, "events[0]"),
    ])
    func rejectsPoisonWithAReason(body: String, reason: String) {
        expectPoison(Array(body.utf8), reason)
    }

    @Test func rejectsTruncatedAndCorruptBinaryMessages() {
        let good = EventBatchCodec.encode(events)
        for cut in [1, 2, 5, good.count / 2, good.count - 1] {
            expectPoison(Array(good.prefix(cut)), "")
        }
        expectPoison(good + [0], "bytes after the last event")
        expectPoison([2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "claims")
        expectPoison([3], "version 3 is not supported")
        expectPoison([], "empty")
        // A properties text that is not an object (a foreign writer) is refused, not stored.
        var notObject: [UInt8] = [2, 1, 1, 0x61, 1, 0x62, 1, 0x63, 2, 0x5B, 0x5D]
        notObject += [UInt8](repeating: 0, count: 8) + [0] + [UInt8](repeating: 0, count: 8)
        expectPoison(notObject, "events[0]: properties are not a JSON object")
    }

    func expectPoison(_ body: [UInt8], _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            _ = try EventBatchCodec.decode(body)
        } throws: { error in
            reason.isEmpty ? error is CodecError : (error as? CodecError)?.description.contains(reason) == true
        }
    }
}
