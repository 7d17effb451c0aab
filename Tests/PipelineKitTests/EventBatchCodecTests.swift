import PipelineKit
import Testing

@Suite struct EventBatchCodecTests {
    @Test func roundTripsEveryField() throws {
        let events = [
            Event(
                eventID: "e-1", eventName: "Order \"Completed\"", userID: "ü1",
                properties: ["price": 19.99, "tags": ["a", 0, nil], "deep": .object(["x": true])],
                timestamp: Timestamp(microseconds: 1_714_979_289_123_456), sessionID: "s1", receivedAt: Timestamp(microseconds: 1_714_979_290_000_000)),
            Event(eventID: "e-2", eventName: "x", userID: "u", timestamp: Timestamp(microseconds: 0), receivedAt: Timestamp(microseconds: 1)),
        ]
        #expect(try EventBatchCodec.decode(EventBatchCodec.encode(events)) == events)
    }

    @Test(arguments: [
        ("not json", "not JSON"),
        (#"{"events":[]}"#, "version"),
        (#"{"v":2,"events":[]}"#, "version 2 is not supported"),
        (#"{"v":1,"events":[{"event_id":"a"}]}"#, "events[0]"),
    ])
    func rejectsPoisonWithAReason(body: String, reason: String) {
        #expect {
            _ = try EventBatchCodec.decode(Array(body.utf8))
        } throws: { error in
            (error as? CodecError)?.description.contains(reason) == true
        }
    }
}
