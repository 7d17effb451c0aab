import Foundation
import PipelineKit
import Testing

@Suite struct JSONParserTests {
    @Test func keepsIntegersFloatsBoolsNullAndKeyOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":1.50,"big":12345678901234567890,"e":-2.5e-3,"t":true,"f":false,"n":null,"arr":[1,"x",[]],"o":{}}"#)
        guard case .object(let object) = value else {
            Issue.record("expected an object")
            return
        }
        #expect(object.keys == ["z", "a", "big", "e", "t", "f", "n", "arr", "o"])
        #expect(object["z"] == .number(JSONNumber(1)))
        #expect(object["z"].flatMap { if case .number(let n) = $0 { n.isInteger } else { nil } } == true)
        #expect(object["a"].flatMap { if case .number(let n) = $0 { n.literal } else { nil } } == "1.50")
        #expect(object["big"].flatMap { if case .number(let n) = $0 { n.literal } else { nil } } == "12345678901234567890")
        #expect(value.jsonText == #"{"z":1,"a":1.50,"big":12345678901234567890,"e":-2.5e-3,"t":true,"f":false,"n":null,"arr":[1,"x",[]],"o":{}}"#)
    }

    @Test func memberKeysReadsTopLevelKeysOnlyAndChecksTheValues() throws {
        #expect(try JSONParser.memberKeys(ofObject: #"{"a":{"b":1},"c":[{"d":2}],"\u0065":"f","a":null}"#) == ["a", "c", "e", "a"])
        #expect(try JSONParser.memberKeys(ofObject: " {} ") == [])
        #expect(try JSONParser.memberKeys(ofObject: "[1]") == [])
        #expect(throws: JSONParseError.self) { try JSONParser.memberKeys(ofObject: #"{"a":[1,}"#) }
    }

    /// The fast walk over validated text must find exactly the keys the checking parser does.
    @Test func validatedKeyWalkAgreesWithTheCheckingParser() throws {
        var generator = SplitMix(seed: 0x4B45)
        let keys = ["a", "héllo", "q\\\"x", "\\u0065", "\\ud83d\\ude80", "", "{", "[,:]"]
        for _ in 0..<2000 {
            let members = (0..<Int(generator.next() % 5)).map { _ in
                "\"" + keys[Int(generator.next() % UInt64(keys.count))] + "\" : " + randomJSON(&generator, depth: 1)
            }
            let text = " {" + members.joined(separator: " , ") + "} "
            let expected = try JSONParser.memberKeys(ofObject: text)
            #expect(JSONParser.memberKeys(ofValidatedObject: text) == expected, "mismatch for \(text)")
            for candidate in ["a", "e", "🚀", "", "q\"x", "b"] {
                let found = JSONParser.hasMemberKey(ofValidatedObject: text, among: [Array("zz".utf8), Array(candidate.utf8)])
                #expect(found == expected.contains(candidate), "\(candidate) in \(text)")
            }
            let compact = try JSONParser.parse(text).jsonText
            #expect(JSONParser.memberKeys(ofValidatedObject: compact) == (try JSONParser.memberKeys(ofObject: compact)), "mismatch for \(compact)")
        }
        // Text that is not a whole object ends the walk instead of reading past it.
        for broken in ["[1]", "", #"{"a":1"#, #"{"a":"#, #"{"a\"#, #"{"a":1}}"#, "{} x"] {
            #expect(JSONParser.memberKeys(ofValidatedObject: broken) == nil, "accepted \(broken)")
            #expect(JSONParser.hasMemberKey(ofValidatedObject: broken, among: [Array("b".utf8)]) == nil, "accepted \(broken)")
        }
    }

    @Test func decodesEscapesAndSurrogatePairsToTheSameCharacters() throws {
        let value = try JSONParser.parse(#"["\u00dcn\u00efc\u00f6d\u00e9 \u2713 \ud83d\ude80", "tab\there \"q\" \\ \/", "日本語"]"#)
        #expect(value == .array([.string("Ünïcödé ✓ 🚀"), .string("tab\there \"q\" \\ /"), .string("日本語")]))
        let again = try JSONParser.parse(value.jsonText)
        #expect(again == value)
    }

    @Test(arguments: [
        (#"{"a":}"#, 1, 6, "expected a value"),
        ("[1,2", 1, 5, "end of input"),
        ("{\"a\":1}\n x", 2, 2, "after the JSON value"),
        (#"["\ud800"]"#, 1, 3, "unpaired UTF-16 surrogate"),
        ("[01]", 1, 3, "leading zero"),
        ("\"a\u{01}\"", 1, 3, "control character"),
        ("[tru]", 1, 2, "invalid literal"),
        ("[1e999]", 1, 2, "out of range"),
    ])
    func reportsWhatAndWhere(input: String, line: Int, column: Int, reason: String) {
        #expect {
            _ = try JSONParser.parse(input)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.line == line && error.column == column && error.reason.contains(reason)
        }
    }

    /// The line and column are counted a word at a time; they must be what counting
    /// characters one by one gives, with newlines and multi-byte characters at every place
    /// in a word.
    @Test func errorPositionsAgreeWithCountingCharacterByCharacter() {
        let pieces = ["\"é\"", "\"a€b\"", "1", "\"😀x\"", "\"plain ascii\""]
        for seed in 0..<60 {
            var text = "["
            for index in 0..<(seed % 13 + 1) {
                text += (index == 0 ? "" : (index + seed) % 3 == 0 ? ",\n" : ", ") + pieces[(index * 7 + seed) % pieces.count]
            }
            text += ", ?]"
            let before = text[..<(text.firstIndex(of: "?") ?? text.endIndex)]
            let lines = before.split(separator: "\n", omittingEmptySubsequences: false)
            #expect {
                _ = try JSONParser.parse(text)
            } throws: { error in
                guard let error = error as? JSONParseError else { return false }
                return error.line == lines.count && error.column == (lines.last?.count ?? 0) + 1
            }
        }
    }

    @Test func rejectsNestingDeeperThanTheLimit() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep, limits: JSONParserLimits(maxDepth: 64)) }
        #expect((try? JSONParser.parse(deep, limits: JSONParserLimits(maxDepth: 100))) != nil)
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    /// Randomized cross-check against Foundation's JSONSerialization: same acceptance, same values.
    @Test func agreesWithJSONSerializationOnRandomDocuments() throws {
        var generator = SplitMix(seed: 0x5EED)
        for _ in 0..<2000 {
            let text = randomJSON(&generator, depth: 0)
            let ours = try JSONParser.parse(text)
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(equivalent(ours, theirs), "mismatch for \(text)")
            #expect(try JSONParser.parse(ours.jsonText) == ours)
        }
    }

    /// Both directions: whatever JSONSerialization rejects we reject too (never laxer), and
    /// whatever it accepts we accept, except for the documented ways RFC 8259 is stricter
    /// than Foundation (each such document must fail for one of those reasons).
    @Test func agreesWithJSONSerializationOnCorruptedDocuments() {
        var generator = SplitMix(seed: 42)
        var laxer: [String] = []
        var stricter: [(text: String, reason: String)] = []
        var rejectedByBoth = 0
        for _ in 0..<3000 {
            var bytes = Array(randomJSON(&generator, depth: 0).utf8)
            guard !bytes.isEmpty else { continue }
            let position = Int(generator.next() % UInt64(bytes.count))
            let replacements: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x30, 0x2D, 0x65, 0x20, 0xFF]
            bytes[position] = replacements[Int(generator.next() % UInt64(replacements.count))]
            let ours: Result<JSONValue, any Error> = Result { try JSONParser.parse(bytes) }
            let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            switch (ours, theirs) {
            case (.success, false): laxer.append(String(decoding: bytes, as: UTF8.self))
            case (.failure(let error), true): stricter.append((String(decoding: bytes, as: UTF8.self), (error as? JSONParseError)?.reason ?? "\(error)"))
            case (.failure, false): rejectedByBoth += 1
            case (.success, true): break
            }
        }
        #expect(laxer.isEmpty, "accepted what JSONSerialization rejects: \(laxer.prefix(3))")
        // Where RFC 8259 forbids what Foundation takes: a UTF-16 surrogate without its pair.
        let allowed = ["unpaired UTF-16 surrogate"]
        let unexplained = stricter.filter { item in !allowed.contains { item.reason.contains($0) } }
        #expect(unexplained.isEmpty, "rejected what JSONSerialization accepts: \(unexplained.prefix(3))")
        // The corruption must actually produce invalid documents, or the check proves nothing.
        #expect(rejectedByBoth > 500, "only \(rejectedByBoth) corrupted documents were invalid")
    }
}

/// A small seeded generator, so a failure repeats.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomJSON(_ g: inout SplitMix, depth: Int) -> String {
    let strings = ["", "a", "héllo", "日本", "🚀", "q\\\"x", "\\u00e9", "\\ud83d\\ude80", "tab\\t", "\\/"]
    switch g.next() % (depth > 3 ? 5 : 7) {
    case 0: return "null"
    case 1: return g.next() % 2 == 0 ? "true" : "false"
    case 2: return ["0", "-1", "42", "3.25", "-0.5e10", "1E+2", "123456789012"][Int(g.next() % 7)]
    case 3, 4: return "\"" + strings[Int(g.next() % UInt64(strings.count))] + "\""
    case 5: return "[" + (0..<Int(g.next() % 4)).map { _ in randomJSON(&g, depth: depth + 1) }.joined(separator: ",") + "]"
    default:
        return "{" + (0..<Int(g.next() % 4)).map { i in "\"k\(i)\": " + randomJSON(&g, depth: depth + 1) }.joined(separator: ", ") + "}"
    }
}

/// Compares our value with JSONSerialization's (NSNumber for numbers and bools).
func equivalent(_ ours: JSONValue, _ theirs: Any) -> Bool {
    switch ours {
    case .null: return theirs is NSNull
    case .bool(let flag): return (theirs as? Bool) == flag
    case .number(let number): return (theirs as? NSNumber).map { abs($0.doubleValue - number.doubleValue) <= 1e-9 * max(1, abs(number.doubleValue)) } ?? false
    case .string(let text): return (theirs as? String) == text
    case .array(let items):
        guard let other = theirs as? [Any], other.count == items.count else { return false }
        return zip(items, other).allSatisfy { equivalent($0, $1) }
    case .object(let object):
        guard let other = theirs as? [String: Any], other.count == object.count else { return false }
        return object.allSatisfy { member in other[member.key].map { equivalent(member.value, $0) } ?? false }
    }
}
