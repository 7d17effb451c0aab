// ContentEncodingBody: a body's `Content-Encoding` header undone within WireBodyLimits (the
// byte cap and the ratio cap), on top of CompressedBody. What Segment bodies need, and the
// first layer of a PostHog body.

public import NIOCore

/// Undoes `Content-Encoding` within limits.
public enum ContentEncodingBody {
    /// `body` with its `Content-Encoding` (`gzip`, `x-gzip`, `deflate`; none, `identity` or
    /// empty for plain) undone, at most `limits.outputLimit(forInput:)` bytes out. `unsupported`
    /// for another coding, `tooLarge` past the limit (decompression stops there), `malformed`
    /// for a stream that is not exactly one complete gzip member or zlib stream.
    public static func decode(_ body: ByteBuffer, contentEncoding: String?, limits: WireBodyLimits) throws(WireDecodingError) -> [UInt8] {
        switch contentEncoding?.lowercased().trimmingBlanks {
        case nil, ""?, "identity"?:
            guard body.readableBytes <= limits.maxBytes else {
                throw limits.tooLarge("body", inputCount: body.readableBytes, limit: limits.maxBytes)
            }
            return Array(body.readableBytesView)
        case "gzip"?, "x-gzip"?: return Array(try inflate(body, .gzip, limits: limits, what: "gzip body").readableBytesView)
        case "deflate"?: return Array(try inflate(body, .deflate, limits: limits, what: "deflate body").readableBytesView)
        case let other?:
            throw WireDecodingError(.unsupported, "Content-Encoding '\(other.prefix(40))' is not supported; expected gzip, deflate or none")
        }
    }

    /// Decompresses with `CompressedBody.decode` at the limit for this input's size.
    static func inflate(_ body: ByteBuffer, _ coding: ContentCoding, limits: WireBodyLimits, what: String) throws(WireDecodingError) -> ByteBuffer {
        let limit = limits.outputLimit(forInput: body.readableBytes)
        do throws(CompressedBodyError) {
            return try CompressedBody.decode(body, coding, limit: limit)
        } catch .tooLarge {
            throw limits.tooLarge(what, inputCount: body.readableBytes, limit: limit)
        } catch .malformed(let reason) {
            throw WireDecodingError(.malformed, "\(what) could not be decompressed: \(reason)")
        } catch {
            throw WireDecodingError(
                .malformed, "\(what) is not one complete \(coding == .gzip ? "gzip member" : "zlib stream"): it is truncated or has bytes after its end")
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingBlanks: String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
