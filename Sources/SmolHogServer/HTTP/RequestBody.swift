// Reading a request body: the size limit (413), Content-Encoding (gzip, deflate), and JSON
// parsing with the error's position (400). Shared by every ingest format.

import CompressNIO
import Hummingbird
import NIOCore
import PipelineKit

enum RequestBody {
    /// Parses a body that carries events in the array `arrayKey`, properties kept as text
    /// (see `JSONParser.parseEventArray`).
    static func eventArray(_ request: Request, arrayKey: String, limit: Int) async throws -> (body: EventArrayBody, value: JSONValue?) {
        let buffer = try await bytes(request, limit: limit)
        do {
            return try JSONParser.parseEventArray(buffer.readableBytesView, arrayKey: arrayKey)
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
        case "gzip", "x-gzip": buffer = try decompress(&buffer, .gzip(), limit: limit)
        case "deflate": buffer = try decompress(&buffer, .zlib(), limit: limit)
        case let other?:
            throw APIError(.unsupportedMediaType, "unsupported_encoding", "Content-Encoding '\(other)' is not supported; expected gzip, deflate or none")
        }
        return buffer
    }

    private static func decompress(_ buffer: inout ByteBuffer, _ algorithm: CompressionAlgorithm, limit: Int) throws -> ByteBuffer {
        do {
            return try buffer.decompress(with: algorithm, maxSize: limit)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw APIError(.contentTooLarge, "body_too_large", "decompressed request body is larger than \(limit) bytes (server.max_body_bytes)")
        } catch {
            throw APIError(.badRequest, "malformed_body", "body could not be decompressed: \(error)")
        }
    }
}
