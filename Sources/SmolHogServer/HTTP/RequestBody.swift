// Reading a request body: the size limit (413), Content-Encoding (gzip, deflate), and JSON
// parsing with the error's position (400). Shared by every ingest format.

import CompressNIO
import Hummingbird
import NIOCore
import PipelineKit

enum RequestBody {
    /// Parses a body that carries events in the array `arrayKey`, properties kept as text
    /// (see `JSONParser.parseEventArray`).
    /// More than `maxItems` items in the array answer 413 as soon as the parser reaches the
    /// next one: the cost of refusing is bounded by the limit, not by the body.
    static func eventArray(
        _ request: Request, arrayKey: String, limit: Int, maxItems: Int = .max
    ) async throws -> (
        body: EventArrayBody, value: JSONValue?
    ) {
        let buffer = try await bytes(request, limit: limit)
        do {
            return try JSONParser.parseEventArray(buffer.readableBytesView, arrayKey: arrayKey, maxItems: maxItems)
        } catch let error where error.itemLimit != nil {
            throw APIError(
                .contentTooLarge, "batch_too_large",
                "request has more than \(maxItems) events; at most \(maxItems) are accepted per request (validate.max_batch)")
        } catch {
            throw APIError(.badRequest, "malformed_json", "body is not valid JSON: \(error)")
        }
    }

    /// Collects and decompresses the body, at most `limit` bytes before and after.
    static func bytes(_ request: Request, limit: Int) async throws -> ByteBuffer {
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "body_too_large", "request body is larger than \(limit) bytes (server.max_body_bytes)")
        }
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity", "": break
        case "gzip", "x-gzip": buffer = try decompress(&buffer, .gzip(), gzip: true, limit: limit)
        case "deflate": buffer = try decompress(&buffer, .zlib(), gzip: false, limit: limit)
        case let other?:
            throw APIError(.unsupportedMediaType, "unsupported_encoding", "Content-Encoding '\(other)' is not supported; expected gzip, deflate or none")
        }
        return buffer
    }

    /// Decompresses a gzip or zlib (`deflate`) body whole: at most `limit` bytes out (the
    /// library's `maxSize` rounds up to its buffer's growth, so the size is checked again), and
    /// only a complete stream ending at the body's end, its trailer checked (gzip: the length
    /// mod 2³²; zlib: the Adler-32), so a truncated stream or bytes after it answer 400.
    private static func decompress(_ buffer: inout ByteBuffer, _ algorithm: CompressionAlgorithm, gzip: Bool, limit: Int) throws -> ByteBuffer {
        // Only the stream's last four bytes (its trailer) and its length are checked below.
        let trailer = Array(buffer.readableBytesView.suffix(4))
        let compressedCount = buffer.readableBytes
        let output: ByteBuffer
        do {
            output = try buffer.decompress(with: algorithm, maxSize: limit)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw tooLarge(limit)
        } catch {
            throw APIError(.badRequest, "malformed_body", "body could not be decompressed: \(error)")
        }
        guard output.readableBytes <= limit else { throw tooLarge(limit) }
        guard trailerMatches(trailer, streamBytes: compressedCount, output: output.readableBytesView, gzip: gzip) else {
            throw APIError(
                .badRequest, "malformed_body",
                "body is not one complete \(gzip ? "gzip member" : "zlib stream"): it is truncated, or has bytes after its end; expected exactly one stream")
        }
        return output
    }

    private static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "body_too_large", "decompressed request body is larger than \(limit) bytes (server.max_body_bytes)")
    }

    /// Whether `trailer`, the last four bytes of a stream of `streamBytes` bytes, is the trailer
    /// of `output`.
    static func trailerMatches(_ trailer: [UInt8], streamBytes: Int, output: some Collection<UInt8>, gzip: Bool) -> Bool {
        guard trailer.count == 4, streamBytes >= (gzip ? 18 : 6) else { return false }
        if gzip {
            // ISIZE: the input's length mod 2^32, little-endian.
            let size = (0..<4).reduce(UInt32(0)) { $0 | UInt32(trailer[$1]) << (8 * UInt32($1)) }
            return size == UInt32(truncatingIfNeeded: output.count)
        }
        // Adler-32 of the output, big-endian.
        let expected = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(trailer[$1]) }
        var a: UInt32 = 1
        var b: UInt32 = 0
        var pending = 0
        for byte in output {
            a &+= UInt32(byte)
            b &+= a
            pending += 1
            // 5552 bytes is the most that keeps the sums within 32 bits between reductions.
            if pending == 5552 {
                a %= 65521
                b %= 65521
                pending = 0
            }
        }
        return (b % 65521) << 16 | (a % 65521) == expected
    }
}
