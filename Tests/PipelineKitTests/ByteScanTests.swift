// ByteScan's word tests against byte-by-byte answers, and the string scanners that use them:
// a quote, an escape, a control byte or non-ASCII text at every offset of a word.

import PipelineKit
import Testing

@Suite struct ByteScanTests {
    /// Each test must be exact for the word as a whole; the scanners skip a word on its no.
    @Test func wordTestsAgreeWithByteByByteAnswers() {
        var generator = SplitMix(seed: 0x5357_4152)
        let edges: [UInt8] = [0x00, 0x01, 0x09, 0x0D, 0x0E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0x81, 0xDC, 0xFF]
        for _ in 0..<50_000 {
            let bytes = (0..<8).map { _ in
                generator.next() % 3 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : edges[Int(generator.next() % UInt64(edges.count))]
            }
            let word = bytes.withUnsafeBufferPointer { ByteScan.word($0, at: 0) }
            guard let word else {
                Issue.record("no word in 8 bytes")
                return
            }
            for limit: UInt8 in [0x0E, 0x20, 0x80] {
                #expect(ByteScan.hasByte(below: limit, in: word) == bytes.contains { $0 < limit }, "\(bytes) below \(limit)")
            }
            for byte: UInt8 in [0x00, 0x22, 0x5C, 0xFF] {
                #expect(ByteScan.hasByte(byte, in: word) == bytes.contains(byte), "\(bytes) has \(byte)")
            }
            #expect(ByteScan.hasNonASCII(word) == bytes.contains { $0 >= 0x80 })
        }
        #expect([UInt8](repeating: 0x61, count: 7).withUnsafeBufferPointer { ByteScan.word($0, at: 0) } == nil)
        #expect([UInt8](repeating: 0x61, count: 9).withUnsafeBufferPointer { ByteScan.word($0, at: 2) } == nil)
    }

    /// A special piece at every offset of strings up to three words long, through the parser,
    /// the properties capture and the validated-key walk.
    @Test func stringScannersFindSpecialBytesAtEveryOffset() throws {
        let pieces: [(json: String, decoded: String?)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\u00e9"#, "é"), ("é", "é"), ("日", "日"), ("\t", nil), ("\u{01}", nil), (#"\x"#, nil),
        ]
        for length in 0..<24 {
            for offset in 0...length {
                for piece in pieces {
                    let prefix = String(repeating: "a", count: offset)
                    let suffix = String(repeating: "b", count: length - offset)
                    let body = prefix + piece.json + suffix
                    let properties = #"{"k":"\#(body)","\#(body)":1}"#
                    let document = #"{"events":[{"event_name":"\#(body)","properties":\#(properties)}]}"#
                    guard let decoded = piece.decoded.map({ prefix + $0 + suffix }) else {
                        #expect(throws: JSONParseError.self, "accepted \(body)") { try JSONParser.parse("\"\(body)\"") }
                        #expect(throws: JSONParseError.self, "accepted \(body)") { try JSONParser.parseEventArray(Array(document.utf8), arrayKey: "events") }
                        continue
                    }
                    #expect(try JSONParser.parse("\"\(body)\"") == .string(decoded))
                    let parsed = try JSONParser.parseEventArray(Array(document.utf8), arrayKey: "events").body
                    #expect(parsed.items?.first?.objectValue?["event_name"] == .string(decoded))
                    #expect(parsed.properties.first??.text == properties)
                    #expect(JSONParser.memberKeys(ofValidatedObject: properties) == ["k", decoded])
                }
            }
        }
    }
}
