// Event.propertyValues(forKeys:): a few top-level properties read from the properties' text
// without building the rest, answering as `properties` does for either form of an event.

import PipelineKit
import Testing

@Suite struct EventPropertyValuesTests {
    /// The event whose properties are `json` as the ingest parser hands them on: compact text
    /// and the sketch of its keys.
    func textEvent(_ json: String) throws -> Event {
        let body = #"{"events":[{"event_id":"e","properties":\#(json)}]}"#
        let raw = try #require(try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events").body.properties.first ?? nil)
        return Event(eventID: "e", eventName: "n", userID: "u", propertiesJSON: raw.text, keys: raw.keys, timestamp: .now(), receivedAt: .now())
    }

    @Test func textAndObjectFormsAnswerAlikeInTheOrderAsked() throws {
        let json = #"{"plan":"pro","n":12.5,"cart":{"total":3,"items":[1,2]},"gone":null,"flag":true,"k\u0041":"escaped"}"#
        let text = try textEvent(json)
        let parsed = try #require(try JSONParser.parse(json).objectValue)
        let object = Event(eventID: "e", eventName: "n", userID: "u", properties: parsed, timestamp: .now(), receivedAt: .now())
        let keys = ["cart", "missing", "plan", "gone", "n", "kA", "flag"]
        let expected: [JSONValue?] = [["total": 3, "items": [1, 2]], nil, "pro", .null, 12.5, "escaped", true]
        #expect(text.propertyValues(forKeys: keys) == expected)
        #expect(object.propertyValues(forKeys: keys) == expected)
        #expect(text.propertyValues(forKeys: []) == [])
    }

    @Test func theLastDuplicateWinsAsInTheParsedProperties() throws {
        let text = try textEvent(#"{"a":1,"b":2,"a":[3]}"#)
        #expect(text.propertyValues(forKeys: ["a", "b"]) == [[3], 2])
        #expect(text.properties["a"] == [3], "the same value as the full parse")
    }

    @Test func keysTheSketchRulesOutAreAbsentAndEmptyPropertiesHaveNothing() throws {
        let text = try textEvent(#"{"plan":"pro"}"#)
        #expect(text.propertyValues(forKeys: ["email", "$host"]) == [nil, nil])
        #expect(try textEvent("{}").propertyValues(forKeys: ["plan"]) == [nil])
        let unsketched = Event(eventID: "e", eventName: "n", userID: "u", propertiesJSON: #"{"plan":"pro"}"#, timestamp: .now(), receivedAt: .now())
        #expect(unsketched.propertyValues(forKeys: ["plan", "x"]) == ["pro", nil], "without a sketch the text is scanned")
    }
}
