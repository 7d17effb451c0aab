// fuzz-gzip: a compressed request body through `CompressedBody.decode`, gzip or deflate by the
// input's first byte. Never more than the limit out; a stream compressed here decodes back to
// its input.

import CompressNIO
import FuzzSupport
import NIOCore
import WireDecoding

/// The decompressed-size limit; small, so limit handling is reached often.
private let limit = 64 * 1024

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    guard let first = bytes.first else { return 0 }
    let coding: ContentCoding = first & 1 == 0 ? .gzip : .deflate
    let body = ByteBuffer(bytes: bytes.dropFirst())
    if let output = try? CompressedBody.decode(body, coding, limit: limit) {
        require(output.readableBytes <= limit, "\(output.readableBytes) bytes out, limit \(limit)")
    }
    // The same bytes as a body's content: compressed, they decode back exactly.
    var plain = body
    guard plain.readableBytes <= limit, let compressed = try? plain.compress(with: coding == .gzip ? .gzip() : .zlib()) else { return 0 }
    do {
        let output = try CompressedBody.decode(compressed, coding, limit: limit)
        require(output == body, "a compressed body decodes to other bytes")
    } catch {
        fatalError("a complete stream of \(body.readableBytes) bytes is refused: \(error)")
    }
    return 0
}
