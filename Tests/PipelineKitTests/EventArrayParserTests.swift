import PipelineKit
import Testing

/// `parseEventArray` must accept and reject exactly what `parse` does, and give the same
/// values, with each event's properties as compact text.
@Suite struct EventArrayParserTests {
    @Test func keepsPropertiesAsCompactTextWithTheirDepth() throws {
        let text = #"{ "events" : [ { "event_id" : "e1", "properties" : { "a" : [ 1 , "x y" ], "u" : "\u00e9\"" } }, 7 ], "sent_at": 1 }"#
        let (body, other) = try JSONParser.parseEventArray(Array(text.utf8), arrayKey: "events")
        #expect(other == nil)
        #expect(body.root == ["sent_at": 1])
        #expect(body.items == [["event_id": "e1"], 7])
        #expect(body.properties.map { $0?.text } == [#"{"a":[1,"x y"],"u":"\u00e9\""}"#, nil])
        #expect(body.properties.first??.depth == 2)
    }

    @Test func compactPropertiesAreKeptAsSentAndSpacedOnesCompacted() throws {
        let compact = #"{"a":"x y","b":[1,-2.5e3,true,null,{}],"c":{"d":"\u00e9\"","":[]}}"#
        for (sent, kept) in [(compact, compact), (" {\n \"a\" : [ 1 ,\t\"x y\" ] } ", #"{"a":[1,"x y"]}"#)] {
            let text = #"{"events":[{"properties":\#(sent)}]}"#
            let (body, _) = try JSONParser.parseEventArray(Array(text.utf8), arrayKey: "events")
            #expect(body.properties.map { $0?.text } == [kept])
        }
    }

    @Test func theLastDuplicateKeyWins() throws {
        let text = #"{"events":[{"properties":{"a":1},"properties":5}],"x":1}"#
        let (body, _) = try JSONParser.parseEventArray(Array(text.utf8), arrayKey: "events")
        #expect(body.items == [["properties": 5]])
        #expect(body.properties == [nil])
        let replaced = try JSONParser.parseEventArray(Array(#"{"events":[{"properties":{}}],"events":3}"#.utf8), arrayKey: "events")
        #expect(replaced.body.items == nil)
        #expect(replaced.body.root == ["events": 3])
        let notObject = try JSONParser.parseEventArray(Array("[1]".utf8), arrayKey: "events")
        #expect(notObject.value == [1])
    }

    @Test func agreesWithTheTreeParserOnRandomAndCorruptedBodies() throws {
        var generator = SplitMix(seed: 0xE7E)
        var checked = 0
        for round in 0..<3000 {
            let events = (0..<Int(generator.next() % 3)).map { _ in
                #"{"event_id":"e","properties":{"p":\#(randomJSON(&generator, depth: 1)),"q":\#(randomJSON(&generator, depth: 2))}}"#
            }
            let extra = randomJSON(&generator, depth: 1)
            var bytes = Array(#"{"events":[\#((events + [extra]).joined(separator: " , "))],"meta":\#(randomJSON(&generator, depth: 2))}"#.utf8)
            if round % 2 == 1 {
                let replacements: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x30, 0x2D, 0x65, 0x20, 0xFF, 0x0A]
                bytes[Int(generator.next() % UInt64(bytes.count))] = replacements[Int(generator.next() % UInt64(replacements.count))]
            }
            let tree = Result { try JSONParser.parse(bytes) }
            let split = Result { try JSONParser.parseEventArray(bytes, arrayKey: "events") }
            switch (tree, split) {
            case (.success(let value), .success(let parsed)):
                #expect(canonical(try rebuild(parsed.body, parsed.value)) == canonical(value), "mismatch for \(String(decoding: bytes, as: UTF8.self))")
                checked += 1
            case (.failure(let a), .failure(let b)):
                #expect("\(a)" == "\(b)", "different errors for \(String(decoding: bytes, as: UTF8.self))")
            default:
                Issue.record("one parser accepted what the other rejected: \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(checked > 1000)
    }

    /// Keys sorted at every level: the split form cannot keep where `properties` stood.
    func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object): .object(JSONObject(object.members.map { (key: $0.key, value: canonical($0.value)) }.sorted { $0.key < $1.key }))
        case .array(let items): .array(items.map(canonical))
        default: value
        }
    }

    /// The tree `parse` would have built, from the split form.
    func rebuild(_ body: EventArrayBody, _ value: JSONValue?) throws -> JSONValue {
        if let value { return value }
        var root = body.root
        if let items = body.items {
            var rebuilt: [JSONValue] = []
            for (item, raw) in zip(items, body.properties) {
                guard let raw, case .object(var object) = item else {
                    rebuilt.append(item)
                    continue
                }
                object["properties"] = try JSONParser.parse(raw.text)
                rebuilt.append(.object(object))
            }
            root["events"] = .array(rebuilt)
        }
        return .object(root)
    }
}
