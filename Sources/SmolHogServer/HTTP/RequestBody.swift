// Reading a request body: the size limit (413) and Content-Encoding (gzip, deflate; decoded by
// WireDecoding's CompressedBody). What `SourceRequest.body()` does for every source.

import Hummingbird
import NIOCore
import PipelineKit
import WireDecoding

enum RequestBody {
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
        case "gzip", "x-gzip": buffer = try decompress(buffer, .gzip, limit: limit)
        case "deflate": buffer = try decompress(buffer, .deflate, limit: limit)
        case let other?:
            throw APIError(.unsupportedMediaType, "unsupported_encoding", "Content-Encoding '\(other)' is not supported; expected gzip, deflate or none")
        }
        return buffer
    }

    /// Decompresses a body (see `CompressedBody.decode`), its failures as 400 and 413 answers.
    private static func decompress(_ buffer: ByteBuffer, _ coding: ContentCoding, limit: Int) throws -> ByteBuffer {
        do throws(CompressedBodyError) {
            return try CompressedBody.decode(buffer, coding, limit: limit)
        } catch .tooLarge {
            throw APIError(.contentTooLarge, "body_too_large", "decompressed request body is larger than \(limit) bytes (server.max_body_bytes)")
        } catch .malformed(let reason) {
            throw APIError(.badRequest, "malformed_body", "body could not be decompressed: \(reason)")
        } catch {
            throw APIError(
                .badRequest, "malformed_body",
                "body is not one complete \(coding == .gzip ? "gzip member" : "zlib stream"): it is truncated, or has bytes after its end; expected exactly one stream"
            )
        }
    }
}
