import PipelineKit
import Testing

/// The ingest parser's sketch of each event's top-level property keys may only ever rule a
/// key out when the object lacks it; `Event.hasPropertyKey(among:)` must answer as the walk
/// over the text does.
@Suite struct PropertyKeySketchTests {
    /// Parses one event with `properties` as written and returns the sketch and the compact text.
    func captured(_ properties: String) throws -> RawJSONObject? {
        let body = #"{"events":[{"event_id":"e","properties":\#(properties)}]}"#
        return try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events").body.properties.first ?? nil
    }

    @Test func neverRulesOutAKeyTheObjectHasAndAgreesWithTheWalk() throws {
        var generator = SplitMix(seed: 0x5EE7)
        let keys = ["a", "password", "$password", "héllo", "q\\\"x", "\\u0065", "pass\\u0077ord", "", "a_long_key_of_thirty_bytes_xyz", "{"]
        let candidates = ["a", "e", "password", "$password", "héllo", "", "q\"x", "b", "a_long_key_of_thirty_bytes_xy"]
        for _ in 0..<2000 {
            let members = (0..<Int(generator.next() % 12)).map { _ in
                "\"" + keys[Int(generator.next() % UInt64(keys.count))] + "\" : " + randomJSON(&generator, depth: 1)
            }
            guard let raw = try captured("{" + members.joined(separator: " , ") + "}") else {
                Issue.record("properties not captured")
                continue
            }
            let present = try JSONParser.memberKeys(ofObject: raw.text)
            for key in present {
                #expect(raw.keys.mayContain(Array(key.utf8)), "\(key) ruled out of \(raw.text)")
                #expect(raw.keys.mayContain(key: key), "\(key) ruled out of \(raw.text) as a string")
            }
            let event = Event(eventID: "e", eventName: "n", userID: "u", propertiesJSON: raw.text, keys: raw.keys, timestamp: .now(), receivedAt: .now())
            for candidate in candidates {
                let among = [Array("zz".utf8), Array(candidate.utf8)]
                #expect(event.hasPropertyKey(among: among) == present.contains(candidate), "\(candidate) in \(raw.text)")
            }
        }
    }

    @Test func rulesOutMostAbsentKeys() throws {
        let raw = try #require(
            try captured(
                #"{"$current_url":"u","$browser":"b","$os":"o","price":1,"quantity":2,"currency":"c","is_trial":false,"coupon":null,"tags":[],"cart":{"password":1}}"#
            ))
        let absent = (0..<1000).map { Array("key-\($0)".utf8) } + [Array("password".utf8), Array("$password".utf8)]
        let passed = absent.filter(raw.keys.mayContain).count
        // Two bits of 128 per key, ten keys: about 2 % false positives.
        #expect(passed < 60, "\(passed) of \(absent.count) absent keys not ruled out")
        #expect(!raw.keys.mayContain(Array("password".utf8)), "a nested key counted as a top-level one")
    }

    @Test func anEscapedKeyMakesEveryKeyPossible() throws {
        let raw = try #require(try captured(#"{"pass\u0077ord":1}"#))
        #expect(raw.keys.mayContain(Array("password".utf8)))
        #expect(raw.keys.mayContain(Array("anything".utf8)))
    }
}
