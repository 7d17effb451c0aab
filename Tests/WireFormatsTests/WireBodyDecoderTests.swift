import CompressNIO
import Foundation
import NIOCore
import PipelineKit
import Testing
import WireDecoding

@Suite struct WireBodyDecoderTests {
    let limits = WireBodyLimits(maxBytes: 1 << 20)

    @Test func base64ReadsBothAlphabetsWithOrWithoutPaddingAndSpacesAsPlus() throws {
        #expect(try Base64Body.decode(Array("aGVsbG8=".utf8)) == Array("hello".utf8))
        #expect(try Base64Body.decode(Array("aGVsbG8".utf8)) == Array("hello".utf8))
        #expect(try Base64Body.decode(Array("aGVs\r\nbG8h".utf8)) == Array("hello!".utf8))
        #expect(try Base64Body.decode(Array("-_8=".utf8)) == [0xFB, 0xFF])
        #expect(try Base64Body.decode(Array("+/8=".utf8)) == [0xFB, 0xFF])
        #expect(try Base64Body.decode(Array(" /8=".utf8)) == [0xFB, 0xFF])
        #expect(try Base64Body.decode([]) == [])
    }

    @Test func base64NamesTheBadCharacterAndItsOffset() {
        #expect(throws: WireDecodingError(.malformed, "base64: character 0x2a is not base64 at offset 3; expected A-Z a-z 0-9 + / (or - _) and '=' padding")) {
            try Base64Body.decode(Array("aGV*bG8=".utf8))
        }
        #expect(throws: WireDecodingError.self) { try Base64Body.decode(Array("aGVsb".utf8)) }
        #expect(throws: WireDecodingError.self) { try Base64Body.decode(Array("aG=Vs".utf8)) }
        #expect(throws: WireDecodingError.self) { try Base64Body.decode(Array("a===".utf8)) }
    }

    @Test func formFieldIsPercentDecodedAndPlusIsASpace() throws {
        #expect(try FormBody.field("data", in: Array("a=1&data=eyJ%2Bx%3D+y&data=2".utf8)) == Array("eyJ+x= y".utf8))
        #expect(try FormBody.field("data", in: Array("data".utf8)) == [])
        #expect(try FormBody.field("data", in: Array("ver=1".utf8)) == nil)
        #expect(FormBody.queryValue("_", in: "ip=1&_=1796286853486") == "1796286853486")
        #expect(throws: WireDecodingError(.malformed, "form field: '%' at offset 7 is not followed by two hex digits; expected %XX")) {
            try FormBody.field("data", in: Array("data=ab%4".utf8))
        }
    }

    @Test func cesu8SurrogatePairsBecomeOneCodePointAndLoneOnesReplacementCharacters() {
        // 😀 as two 3-byte surrogates, then a lone high surrogate, then a lone low one.
        let input: [UInt8] = [0x22, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0x20, 0xED, 0xA0, 0xBD, 0x78, 0xED, 0xB8, 0x80, 0x22]
        let output = CESU8.repaired(input)
        #expect(output.map { String(decoding: $0, as: UTF8.self) } == "\"😀 \u{FFFD}x\u{FFFD}\"")
        #expect(CESU8.repaired(Array("日本語 ok".utf8)) == nil)
        #expect(CESU8.repaired([0xED, 0xA0]) == nil)
    }

    @Test func lzStringDecompressesWhatCompressToBase64Made() throws {
        // Made with lz-string's compressToBase64 (the Python port of lz-string 1.4).
        let json = try LZString.decompressFromBase64(Array(lzBatch.utf8), limits: limits)
        #expect(
            String(decoding: json, as: UTF8.self)
                == #"[{"event":"lz_event","distinct_id":"user-lz","uuid":"0190a000-0000-7000-8000-0000000000aa","timestamp":"2024-05-06T07:08:09.123Z","properties":{"title":"Ünïcödé ✓ 日本語","n":1}}]"#
        )
        #expect(try LZString.decompressFromBase64(Array("BYUwNmD2AEoTcq3FIA==".utf8), limits: limits) == Array("hello hello hello hello".utf8))
    }

    @Test func lzStringRefusesTruncatedAndGarbageInputWithAReason() {
        for bad in [String(lzBatch.prefix(40)), "////////", "A"] {
            #expect(throws: WireDecodingError.self, "\(bad)") { try LZString.decompressFromBase64(Array(bad.utf8), limits: limits) }
        }
        #expect(throws: WireDecodingError.self) { try LZString.decompressFromBase64([], limits: limits) }
    }

    @Test func lzStringBombStopsAtTheLimit() throws {
        // 892 characters that expand to 200 000 'a's.
        let bomb = try recordedFixture("lz64-bomb.txt")
        #expect(try LZString.decompressFromBase64(bomb, limits: WireBodyLimits(maxBytes: 1 << 20, maxRatio: 1000)).count == 200_000)
        #expect(throws: WireDecodingError(.tooLarge, "lz64 body decodes to more than 65536 bytes; expected at most 65536")) {
            try LZString.decompressFromBase64(bomb, limits: WireBodyLimits(maxBytes: 65536, maxRatio: 1000))
        }
        #expect(throws: WireDecodingError(.tooLarge, "lz64 body of 892 bytes expands more than 100 times (past 89200 bytes); expected a ratio of at most 100"))
        {
            try LZString.decompressFromBase64(bomb, limits: WireBodyLimits(maxBytes: 1 << 20, maxRatio: 100, ratioFloor: 1000))
        }
    }

    @Test func gzipBombIsRefusedAtTheByteAndRatioLimits() throws {
        var zeros = ByteBuffer(repeating: UInt8(ascii: " "), count: 8 << 20)
        let bomb = try zeros.compress(with: .gzip())
        #expect(bomb.readableBytes < 20_000)
        #expect(throws: WireDecodingError.self) {
            try ContentEncodingBody.decode(bomb, contentEncoding: "gzip", limits: WireBodyLimits(maxBytes: 1 << 20, maxRatio: 10_000))
        }
        do {
            _ = try ContentEncodingBody.decode(bomb, contentEncoding: "gzip", limits: WireBodyLimits(maxBytes: 16 << 20))
            Issue.record("a 1:800 gzip body passed the 100:1 ratio cap")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("expands more than 100 times"))
        }
        // Through the PostHog decoder: by header, by ?compression=gzip-js and by magic bytes.
        for request in [
            PostHogBodyRequest(body: bomb, contentEncoding: "gzip"), PostHogBodyRequest(body: bomb, query: "compression=gzip-js"),
            PostHogBodyRequest(body: bomb),
        ] {
            #expect(throws: WireDecodingError.self) { try PostHogBody.decode(request, limits: limits) }
        }
    }

    @Test func postHogBodyReadsEveryEncoding() throws {
        let json = #"{"event":"e","distinct_id":"u","properties":{"t":"日本語 😀"}}"#
        let plain = ByteBuffer(string: json)
        var input = plain
        let gzip = try input.compress(with: .gzip())
        let base64 = ByteBuffer(string: "eyJldmVudCI6ImUiLCJkaXN0aW5jdF9pZCI6InUiLCJwcm9wZXJ0aWVzIjp7InQiOiLml6XmnKzoqp4g8J+YgCJ9fQ==")
        let cases: [(String, PostHogBodyRequest)] = [
            ("plain", PostHogBodyRequest(body: plain)),
            ("gzip header", PostHogBodyRequest(body: gzip, contentEncoding: "gzip")),
            ("gzip-js", PostHogBodyRequest(body: gzip, query: "compression=gzip-js&ver=1.78.2")),
            ("gzip magic", PostHogBodyRequest(body: gzip)),
            ("base64", PostHogBodyRequest(body: base64)),
            ("base64 named", PostHogBodyRequest(body: base64, query: "compression=base64")),
            ("form", PostHogBodyRequest(body: ByteBuffer(string: "data=" + form(base64)), contentType: "application/x-www-form-urlencoded")),
            ("form json", PostHogBodyRequest(body: ByteBuffer(string: "data=" + form(plain)), contentType: "application/x-www-form-urlencoded")),
            ("form without type", PostHogBodyRequest(body: ByteBuffer(string: "data=" + form(base64)))),
            ("GET query", PostHogBodyRequest(body: ByteBuffer(), query: "ip=1&data=" + form(base64))),
        ]
        for (name, request) in cases {
            #expect(String(decoding: try PostHogBody.decode(request, limits: limits), as: UTF8.self) == json, "\(name)")
        }
        let lz = ByteBuffer(string: "data=" + form(ByteBuffer(string: lzBatch)) + "&compression=lz64")
        let decoded = try PostHogBody.decode(PostHogBodyRequest(body: lz, contentType: "application/x-www-form-urlencoded"), limits: limits)
        #expect(String(decoding: decoded, as: UTF8.self).hasPrefix(#"[{"event":"lz_event""#))
        let lzQuery = try PostHogBody.decode(PostHogBodyRequest(body: ByteBuffer(string: lzBatch), query: "compression=lz64"), limits: limits)
        #expect(lzQuery == decoded)
    }

    @Test func postHogBodyRefusesWhatItCannotReadWithAReason() {
        let refused: [(PostHogBodyRequest, WireDecodingError.Code)] = [
            (PostHogBodyRequest(body: ByteBuffer(string: "{}"), contentEncoding: "br"), .unsupported),
            (PostHogBodyRequest(body: ByteBuffer(string: "{}"), query: "compression=zstd"), .unsupported),
            (PostHogBodyRequest(body: ByteBuffer(string: "ver=1"), contentType: "application/x-www-form-urlencoded"), .malformed),
            (PostHogBodyRequest(body: ByteBuffer(string: "not base64!")), .malformed),
            (PostHogBodyRequest(body: ByteBuffer(bytes: [0x1F, 0x8B, 0x08, 0x00, 0x01])), .malformed),
            (PostHogBodyRequest(body: ByteBuffer(string: "  ")), .malformed),
            (PostHogBodyRequest(body: ByteBuffer(string: String(repeating: "[", count: 2000))), .tooLarge),
        ]
        for (request, code) in refused {
            let small = WireBodyLimits(maxBytes: 1000)
            #expect(throws: WireDecodingError.self) { try PostHogBody.decode(request, limits: small) }
            do { _ = try PostHogBody.decode(request, limits: small) } catch { #expect(error.code == code, "\(error)") }
        }
    }

    @Test func recordedBrowserBodiesDecodeToTheirJSONWithEmojiIntact() throws {
        for record in try Recording.load("posthog_js_browser") {
            let json = try PostHogBody.decode(record.postHogRequest, limits: limits)
            let value = try JSONParser.parse(json)
            if let expected = record.expectedValue {
                #expect(value.sortingKeys == expected.sortingKeys, "\(record.path) \(record.query)")
            } else {
                // Record 4: the recorder's strict UTF-8 decoder failed on its CESU-8.
                #expect(value.arrayValue?.count == 7)
                #expect(value.arrayValue?.first?["properties"]?["mood"] == "😀 ok")
                #expect(value.arrayValue?.first?["properties"]?["lang"] == "日本語")
            }
        }
    }

    private func form(_ buffer: ByteBuffer) -> String {
        String(buffer: buffer).addingPercentEncodingForForm
    }
}

/// lz-string's compressToBase64 of a one-event PostHog batch with non-ASCII text.
let lzBatch =
    "NobwRApgbhB2AuYBcYA2AvA+tOiA0YAJgJYDO8xsAxvJsYcmAK6kQBOAtBmAU0/YwAMARgCcggIaDpHaTIDscjgA4lc9XIkSeYCgFsI5CXoAOjAEyDzAFlkBWWQDYAKoPlJByj6IB0w8wDMAFo6JmwA9ibsFIbI4BTwqBCMADuwAPdUAG+EAJcABIDI5PmAp6aANOaAeVE6sMjCAL51ALpAA"

func recordedFixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return Array(try Data(contentsOf: url))
}

extension String {
    /// Percent-encoded as a form encoder does (everything but unreserved characters).
    var addingPercentEncodingForForm: String {
        utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "_"), UInt8(ascii: "."):
                String(UnicodeScalar(byte))
            default: "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }.joined()
    }
}
