import PipelineKit
import Stages
import Testing

@Suite struct ValidateStageTests {
    let stage = ValidateStage(config: ValidateStageKind.Config())
    let good: JSONObject = [
        "event_id": "e1", "event_name": "signup", "user_id": "u1", "timestamp": "2024-05-06T07:08:09.123+02:00", "session_id": "s1",
        "properties": ["plan": "pro", "n": 1],
    ]

    func run(_ objects: [JSONObject], stage: ValidateStage? = nil) async throws -> Batch<Event> {
        try await (stage ?? self.stage).process(Batch(objects.map { RawEvent(fields: $0) }))
    }

    func rejection(_ change: (inout JSONObject) -> Void, stage: ValidateStage? = nil) async throws -> Rejection? {
        var fields = good
        change(&fields)
        return try await run([fields], stage: stage).rejections.first
    }

    @Test func acceptsAGoodEventWithEveryField() async throws {
        let batch = try await run([good])
        #expect(batch.rejections.isEmpty)
        let event = try #require(batch.items.first)
        #expect(event.eventID == "e1" && event.userID == "u1" && event.sessionID == "s1")
        #expect(event.timestamp.iso8601 == "2024-05-06T05:08:09.123Z")
        #expect(event.properties["plan"] == "pro")
        #expect(event.receivedAt == batch.receivedAt)
    }

    @Test(arguments: ["event_id", "event_name", "user_id", "timestamp"])
    func requiresField(_ field: String) async throws {
        let missing = try await rejection { $0[field] = nil }
        #expect(missing?.field == field && missing?.reason.contains("required") == true)
        let empty = try await rejection { $0[field] = "" }
        #expect(empty?.field == field)
        let number = try await rejection { $0[field] = 5 }
        #expect(number?.field == field && number?.reason.contains("number") == true)
    }

    @Test func timestampsNeedAZoneAndNotTheFarFuture() async throws {
        let naive = try await rejection { $0["timestamp"] = "2024-05-06T07:08:09" }
        #expect(naive?.field == "timestamp" && naive?.reason.contains("time zone") == true)
        let future = try await rejection { $0["timestamp"] = "2999-01-01T00:00:00Z" }
        #expect(future?.field == "timestamp" && future?.reason.contains("in the future") == true)
    }

    @Test func propertiesMustBeAnObjectWithinSizeAndDepth() async throws {
        var config = ValidateStageKind.Config()
        config.maxPropertiesDepth = 2
        config.maxPropertiesBytes = 100
        let strict = ValidateStage(config: config)
        #expect(try await rejection({ $0["properties"] = ["a", "b"] })?.reason.contains("must be an object, got array") == true)
        #expect(try await rejection({ $0["properties"] = ["a": .object(["b": .object(["c": 1])])] }, stage: strict)?.reason.contains("nested 3 levels") == true)
        #expect(
            try await rejection({ $0["properties"] = ["a": .string(String(repeating: "x", count: 200))] }, stage: strict)?.reason.contains("at most 100")
                == true)
        // Properties are optional: an event without them is accepted.
        #expect(try await rejection({ $0["properties"] = nil }) == nil)
    }

    /// The ingest fast path: properties arrive as the parser's checked text.
    @Test func rawPropertiesPassAsTextWithinSizeAndDepth() async throws {
        var config = ValidateStageKind.Config()
        config.maxPropertiesDepth = 2
        config.maxPropertiesBytes = 30
        let strict = ValidateStage(config: config)
        func raw(_ properties: String) throws -> RawEvent {
            let body = #"{"events":[{"event_id":"e1","event_name":"n","user_id":"u","timestamp":"2024-05-06T07:08:09Z","properties":\#(properties)}]}"#
            let parsed = try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events").body
            return RawEvent(fields: try #require(parsed.items?.first?.objectValue), rawProperties: parsed.properties.first ?? nil)
        }
        let long = String(repeating: "x", count: 30)
        let items = [try raw(#"{ "plan" : "pro", "n" : [1] }"#), try raw(#"{"a":{"b":{"c":1}}}"#), try raw(#"{"s":"\#(long)"}"#)]
        let batch = try await strict.process(Batch(items))
        #expect(batch.items.map(\.propertiesJSON) == [#"{"plan":"pro","n":[1]}"#])
        #expect(batch.items.first?.properties == ["plan": "pro", "n": [1]])
        #expect(batch.rejections.map(\.index) == [1, 2])
        #expect(batch.rejections.map(\.field) == ["properties", "properties"])
        #expect(batch.rejections[0].reason.contains("nested 3 levels") && batch.rejections[1].reason.contains("at most 30"))
    }

    @Test func limitsNameAndIDLengths() async throws {
        var config = ValidateStageKind.Config()
        config.maxEventNameLength = 5
        config.maxIDLength = 3
        let strict = ValidateStage(config: config)
        #expect(try await rejection({ $0["event_name"] = "toolong" }, stage: strict)?.field == "event_name")
        #expect(try await rejection({ $0["event_id"] = "e1234" }, stage: strict)?.field == "event_id")
        #expect(try await rejection({ $0["session_id"] = 7 })?.field == "session_id")
    }

    @Test func rejectionsKeepTheOriginalIndexAndGoodEventsStillPass() async throws {
        var bad = good
        bad["user_id"] = nil
        var good2 = good
        good2["event_id"] = "e2"
        let batch = try await run([good, bad, good2])
        #expect(batch.items.map(\.eventID) == ["e1", "e2"])
        #expect(batch.rejections.map(\.index) == [1])
        #expect(batch.rejections.first?.description == "events[1].user_id: is required")
    }

    @Test func tooManyEventsIsABatchError() async throws {
        var config = ValidateStageKind.Config()
        config.maxBatch = 2
        await #expect {
            _ = try await ValidateStage(config: config).process(Batch(Array(repeating: RawEvent(fields: good), count: 3)))
        } throws: { error in
            (error as? PipelineError)?.code == .batchTooLarge
        }
    }
}

@Suite struct EnrichStageTests {
    @Test func setsSetsDefaultsAndDropsInOrder() async throws {
        let stage = EnrichStage(steps: [.set(["env": "prod"]), .setDefault(["plan": "free", "tier": 1]), .drop(["password"])])
        let input = event("e1", properties: ["plan": "pro", "password": "hunter2", "env": "dev"])
        let output = try await stage.process(Batch([input]))
        #expect(output.items.first?.properties == ["plan": "pro", "env": "prod", "tier": 1])
    }

    /// Drop-only steps leave text without the keys exactly as sent; a key written with an
    /// escape is still the key.
    @Test func dropsOnlyWhereTheKeyIsPresentAndKeepsOtherTextAsSent() async throws {
        func textEvent(_ properties: String) async throws -> Event {
            let body = #"{"events":[{"event_id":"e1","event_name":"n","user_id":"u","timestamp":"2024-05-06T07:08:09Z","properties":\#(properties)}]}"#
            let parsed = try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events").body
            let raw = RawEvent(fields: try #require(parsed.items?.first?.objectValue), rawProperties: parsed.properties.first ?? nil)
            return try #require(try await ValidateStage(config: .init()).process(Batch([raw])).items.first)
        }
        let stage = EnrichStage(steps: [.drop(["password"]), .drop(["$password"])])
        let untouched = try await textEvent(#"{"t":"\u00dc","nested":{"password":1},"p":"password"}"#)
        let escaped = try await textEvent(#"{"pass\u0077ord":"x","a":1}"#)
        let twice = try await textEvent(#"{"$password":1,"a":2,"$password":3}"#)
        let output = try await stage.process(Batch([untouched, escaped, twice])).items
        #expect(output[0].propertiesJSON == #"{"t":"\u00dc","nested":{"password":1},"p":"password"}"#)
        #expect(output[1].properties == ["a": 1])
        #expect(output[2].properties == ["a": 2])
    }

    @Test func stepsDecodeFromYAMLAndUnknownStepsAreErrors() throws {
        let graph = try compile(validYAML)
        #expect(graph.stages[1].name == "enrich")
        let found = issues(validYAML.replacingOccurrences(of: "- set: {source: test}", with: "- sett: {source: test}"))
        #expect(found.first?.message.contains("unknown enrich step 'sett' (did you mean 'set'?)") == true)
        #expect(found.first?.line == 5)
    }
}

@Suite struct AggregateStageTests {
    @Test func countsEventsAndDistinctUsersPerBucketAndName() throws {
        let stage = AggregateStage(intervals: [.day, .hour])
        let events = [
            event("1", name: "a", user: "u1", at: "2024-05-06T07:10:00Z"), event("2", name: "a", user: "u1", at: "2024-05-06T07:20:00Z"),
            event("3", name: "a", user: "u2", at: "2024-05-06T09:00:00Z"), event("4", name: "b", user: "u1", at: "2024-05-07T00:00:00Z"),
        ]
        let delta = try #require(try stage.apply(Batch(events.map(StoredEvent.init))).items.first)
        #expect(delta.totalEvents == 4)
        let days = delta.buckets[.day] ?? []
        let dayA = days.first { $0.eventName == "a" }
        #expect(dayA?.events == 3 && dayA?.users == ["u1", "u2"])
        let allFirstDay = days.first { $0.eventName == AggregateStage.allEvents && $0.start.iso8601 == "2024-05-06T00:00:00Z" }
        #expect(allFirstDay?.events == 3)
        #expect((delta.buckets[.hour] ?? []).filter { $0.eventName == "a" }.count == 2)
        #expect(delta.users["u1"].map { "\($0.lowerBound.iso8601) \($0.upperBound.iso8601)" } == "2024-05-06T07:10:00Z 2024-05-07T00:00:00Z")
    }
}
