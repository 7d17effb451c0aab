// CompressedBody: a request body's Content-Encoding (gzip, deflate) undone, with its size limit
// and trailer checks. Pure bytes in, bytes out: the HTTP layer maps the errors to 400 and 413,
// and the fuzz targets (Fuzz/) reach it without a server.

import CompressNIO
public import NIOCore

/// A body's `Content-Encoding` that `CompressedBody.decode` undoes.
public enum ContentCoding: Sendable {
    /// A gzip member (RFC 1952): `Content-Encoding: gzip` or `x-gzip`.
    case gzip
    /// A zlib stream (RFC 1950), what HTTP calls `deflate`.
    case deflate
}

/// Why a compressed body was refused.
public enum CompressedBodyError: Error, Sendable, Equatable {
    /// It decompresses to more than the limit.
    case tooLarge
    /// The decompressor refused it; the payload says why.
    case malformed(String)
    /// It decompressed, but is truncated or has bytes after its end (its trailer does not match).
    case notOneStream
}

/// Undoes a body's compression whole, within a limit.
public enum CompressedBody {
    /// Decompresses `body`: at most `limit` bytes out (the library's `maxSize` rounds up to its
    /// buffer's growth, so the size is checked again), and only one complete stream ending at
    /// the body's end, its trailer checked (gzip: the length mod 2³²; zlib: the Adler-32).
    /// Cost: one pass over the output, which is at most `limit` bytes plus one growth step.
    public static func decode(_ body: ByteBuffer, _ coding: ContentCoding, limit: Int) throws(CompressedBodyError) -> ByteBuffer {
        var buffer = body
        // Only the stream's last four bytes (its trailer) and its length are checked below.
        let trailer = Array(buffer.readableBytesView.suffix(4))
        let compressedCount = buffer.readableBytes
        let output: ByteBuffer
        do {
            output = try buffer.decompress(with: coding == .gzip ? .gzip() : .zlib(), maxSize: limit)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw .tooLarge
        } catch {
            throw .malformed("\(error)")
        }
        guard output.readableBytes <= limit else { throw .tooLarge }
        guard trailerMatches(trailer, streamBytes: compressedCount, output: output.readableBytesView, coding: coding) else {
            throw .notOneStream
        }
        return output
    }

    /// Whether `trailer`, the last four bytes of a stream of `streamBytes` bytes, is the trailer
    /// of `output`.
    static func trailerMatches(_ trailer: [UInt8], streamBytes: Int, output: some Collection<UInt8>, coding: ContentCoding) -> Bool {
        guard trailer.count == 4, streamBytes >= (coding == .gzip ? 18 : 6) else { return false }
        if coding == .gzip {
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
