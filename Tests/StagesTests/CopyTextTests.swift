// CopyText without a server: the escaper against a byte-by-byte one, with the four bytes
// COPY escapes at every offset of the words it skips, and the timestamptz text.

internal import NIOCore
import PipelineKit
import Testing

@testable import Stages

@Suite struct CopyTextTests {
    @Test func fieldEscapesExactlyWhatAByteByByteEscaperDoes() {
        func expected(_ text: String) -> [UInt8] {
            text.utf8.flatMap { byte -> [UInt8] in
                switch byte {
                case UInt8(ascii: "\\"): Array(#"\\"#.utf8)
                case UInt8(ascii: "\t"): Array(#"\t"#.utf8)
                case UInt8(ascii: "\n"): Array(#"\n"#.utf8)
                case UInt8(ascii: "\r"): Array(#"\r"#.utf8)
                default: [byte]
                }
            }
        }
        let alphabet: [String] = ["a", "\\", "\t", "\n", "\r", "\u{0B}", "\u{0E}", "\u{01}", "é", "{", "\"", " "]
        for length in 0..<20 {
            for offset in 0..<max(length, 1) {
                for special in alphabet {
                    var characters = Array(repeating: "x", count: length)
                    if offset < length { characters[offset] = special }
                    let text = characters.joined()
                    var buffer = ByteBuffer()
                    CopyText.field(text, to: &buffer)
                    #expect(Array(buffer.readableBytesView) == expected(text), "\(text.debugDescription)")
                }
            }
        }
    }

    @Test func eventsLayoutWritesTimestamptzText() {
        var buffer = ByteBuffer()
        CopyText.time(Timestamp(microseconds: 951_782_400_000_007), layout: .events, to: &buffer)
        #expect(String(buffer: buffer) == "2000-02-29 00:00:00.000007+00")
        buffer.clear()
        CopyText.time(Timestamp(microseconds: -1), layout: .events, to: &buffer)
        #expect(String(buffer: buffer) == "1969-12-31 23:59:59.999999+00")
    }
}
