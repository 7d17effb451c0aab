import Foundation
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

    @Test func roundTripsTheBatchsRequestContext() throws {
        let context = IngestContext(
            source: "posthog", clientIP: "2001:db8::1", userAgent: "posthog-python/7.91.1", key: "phc_test",
            sentAt: Timestamp(microseconds: 1_764_191_686_995_647))
        let decoded = try EventBatchCodec.decodeBatch(EventBatchCodec.encode(events, context: context))
        #expect(decoded.events == events)
        #expect(decoded.context == context)
        // Each field is optional on its own.
        for partial in [IngestContext(), IngestContext(clientIP: "10.0.0.1"), IngestContext(source: "native", sentAt: Timestamp(microseconds: -1))] {
            #expect(try EventBatchCodec.decodeBatch(EventBatchCodec.encode(events, context: partial)).context == partial)
        }
        #expect(try QueueMessage.decodeWithContext(QueueMessage.encode(events, context: context)).context == context)
    }

    @Test func readsVersion2MessagesQueuedByAnOlderBuildWithAnEmptyContext() throws {
        // Fuzz/Corpus/codec/v2-one.bin: one event as version 2 wrote it.
        let hex =
            "02012430313930613030302d303030302d373030302d383030302d3030303030303030303030320970616765"
            + "5f7669657706757365722d31137b2270617468223a222f70726963696e67227db84853bbc31706000103732d"
            + "3180aa60bbc3170600"
        let body = try #require(Self.bytes(hex: hex))
        let decoded = try EventBatchCodec.decodeBatch(body)
        #expect(decoded.events.map(\.eventID) == ["0190a000-0000-7000-8000-000000000002"])
        #expect(decoded.events.first?.propertiesJSON == #"{"path":"/pricing"}"#)
        #expect(decoded.context.isEmpty)
    }

    @Test func theFuzzCorpusVersion3MessageDecodesWithItsContext() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let body = try [UInt8](Data(contentsOf: root.appendingPathComponent("Fuzz/Corpus/codec/v3-context.bin")))
        let (events, context) = try EventBatchCodec.decodeBatch(body)
        #expect(events.map(\.eventName) == ["product_viewed"])
        #expect(events.first?.propertiesJSON == #"{"price":19.99}"#)
        #expect(
            context
                == IngestContext(
                    source: "posthog", clientIP: "203.0.113.9", userAgent: "posthog-python/7.91.1", key: "phc_test",
                    sentAt: Timestamp(microseconds: 1_764_191_686_995_647)))
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: digits.count - 1, by: 2) {
            guard let byte = UInt8(String(decoding: digits[start..<start + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
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
        expectPoison([3], "ends early")
        expectPoison([3, 0x20, 0], "context fields byte is 32")
        expectPoison([4], "version 4 is not supported")
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
