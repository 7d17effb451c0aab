import PipelineKit
import Testing

/// Reading chosen top-level properties from text, and adding properties to it, must agree with
/// doing the same on the parsed object: enrichment relies on it for every event.
@Suite struct PropertyMembersTests {
    func captured(_ properties: String) throws -> RawJSONObject? {
        let body = #"{"events":[{"event_id":"e","properties":\#(properties)}]}"#
        return try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events").body.properties.first ?? nil
    }

    static let keys = ["a", "$ip", "héllo", "q\\\"x", "\\u0065", "", "nested", "{"]
    static let asked = PropertyKeyList(["a", "$ip", "héllo", "q\"x", "e", "", "absent", "{", "a"])

    @Test func valuesAgreeWithTheParsedObject() throws {
        var generator = SplitMix(seed: 0xA11CE)
        for _ in 0..<2000 {
            let members = (0..<Int(generator.next() % 10)).map { _ in
                "\"" + Self.keys[Int(generator.next() % UInt64(Self.keys.count))] + "\" : " + randomJSON(&generator, depth: 1)
            }
            let written = "{ " + members.joined(separator: " , ") + " }"
            guard let raw = try captured(written) else {
                Issue.record("properties not captured")
                continue
            }
            let text = Event(eventID: "e", eventName: "n", userID: "u", propertiesJSON: raw.text, keys: raw.keys, timestamp: .now(), receivedAt: .now())
            let parsed = try #require(try JSONParser.parse(raw.text).objectValue)
            let tree = Event(eventID: "e", eventName: "n", userID: "u", properties: parsed, timestamp: .now(), receivedAt: .now())
            let expected = Self.asked.keys.map { parsed[$0] }
            #expect(text.propertyValues(Self.asked) == expected, "\(raw.text)")
            #expect(tree.propertyValues(Self.asked) == expected, "\(raw.text)")
            for key in Self.asked.keys {
                #expect(raw.member(key) == parsed[key], "\(key) in \(raw.text)")
            }
        }
    }

    @Test func addingKeepsWhatTheEventHasAndAgreesWithTheTree() throws {
        var generator = SplitMix(seed: 0xADD)
        let adding: JSONObject = ["a": "derived", "$browser": "Chrome", "e": 1, "new": ["x": true]]
        for _ in 0..<1000 {
            let members = (0..<Int(generator.next() % 8)).map { _ in
                "\"" + Self.keys[Int(generator.next() % UInt64(Self.keys.count))] + "\":" + randomJSON(&generator, depth: 1)
            }
            guard let raw = try captured("{" + members.joined(separator: ",") + "}") else { continue }
            var text = Event(eventID: "e", eventName: "n", userID: "u", propertiesJSON: raw.text, keys: raw.keys, timestamp: .now(), receivedAt: .now())
            var tree = Event(
                eventID: "e", eventName: "n", userID: "u", properties: try #require(try JSONParser.parse(raw.text).objectValue), timestamp: .now(),
                receivedAt: .now())
            text.addProperties(ifAbsent: adding)
            tree.addProperties(ifAbsent: adding)
            #expect(text.properties == tree.properties, "\(raw.text)")
            // The result is still valid JSON whose keys the sketch admits.
            let reparsed = try JSONParser.parse(text.propertiesJSON)
            #expect(reparsed.objectValue == text.properties)
            #expect(text.hasPropertyKey(among: [Array("$browser".utf8)]))
        }
    }

    @Test func aKeyAlreadySentIsNotAddedAgain() throws {
        let raw = try #require(try captured(#"{"$browser":"Firefox","price":1}"#))
        var event = Event(eventID: "e", eventName: "n", userID: "u", propertiesJSON: raw.text, keys: raw.keys, timestamp: .now(), receivedAt: .now())
        event.addProperties(ifAbsent: ["$browser": "Chrome", "$os": "Linux"])
        #expect(event.propertiesJSON == #"{"$browser":"Firefox","price":1,"$os":"Linux"}"#)
    }

    /// Properties sent with spaces (as posthog-python's `json.dumps` writes them) are kept as
    /// compact text that means the same object, strings copied exactly as sent.
    @Test func spacedPropertiesAreCompactedWithoutChangingThem() throws {
        var generator = SplitMix(seed: 0xC0AC7)
        for _ in 0..<2000 {
            let members = (0..<Int(generator.next() % 8)).map { _ in
                "\n \"" + Self.keys[Int(generator.next() % UInt64(Self.keys.count))] + "\" :\t " + randomJSON(&generator, depth: 1) + " "
            }
            let written = "{ " + members.joined(separator: " ,\r\n ") + " }"
            guard let raw = try captured(written) else { continue }
            #expect(try JSONParser.parse(raw.text) == JSONParser.parse(written), "\(written) → \(raw.text)")
            // Compact already: capturing it again changes nothing.
            #expect(try captured(raw.text)?.text == raw.text)
        }
        let sent = #"{ "title" : "a  b\" :c" , "n" : [ 1 , { "k" : "\u00dc" } ] }"#
        #expect(try captured(sent)?.text == #"{"title":"a  b\" :c","n":[1,{"k":"\u00dc"}]}"#)
    }

    /// The member the parser notes while it checks the properties is the one a walk finds.
    @Test func theNotedMemberAgreesWithTheWalk() throws {
        var generator = SplitMix(seed: 0x5E55)
        for _ in 0..<2000 {
            let members = (0..<Int(generator.next() % 8)).map { _ in
                "\"" + Self.keys[Int(generator.next() % UInt64(Self.keys.count))] + "\" : " + randomJSON(&generator, depth: 1)
            }
            let body = #"{"events":[{"event_id":"e","properties":{\#(members.joined(separator: " , "))}}]}"#
            let parsed = try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events", noteKey: "a").body
            guard let raw = parsed.properties.first ?? nil else { continue }
            let expected = try JSONParser.parse(raw.text).objectValue?["a"]
            if let noted = raw.noted {
                #expect(noted == expected, "\(body)")
            } else {
                #expect(body.contains("\\"), "only a key with an escape leaves it unsure: \(body)")
            }
        }
    }
}
