// PostHogBody: every way a PostHog SDK encodes a capture body, undone down to JSON bytes:
// Content-Encoding (gzip, deflate), `?compression=gzip-js|lz64|base64`, gzip found by its
// magic bytes, form-encoded `data=` (in the body or a GET's query), plain base64, and
// posthog-js's CESU-8. The order of the checks is the order the SDKs layer the encodings.

public import NIOCore

/// The request parts that say how a PostHog capture body is encoded.
public struct PostHogBodyRequest: Sendable {
    /// The body as received (empty for a GET).
    public var body: ByteBuffer
    /// The `Content-Type` header, if any (`application/x-www-form-urlencoded` means `data=`).
    public var contentType: String?
    /// The `Content-Encoding` header, if any.
    public var contentEncoding: String?
    /// The URL's query text after `?`, undecoded (`compression=`, and `data=` for a GET).
    public var query: String?

    /// A body with the headers and query that describe it.
    public init(body: ByteBuffer, contentType: String? = nil, contentEncoding: String? = nil, query: String? = nil) {
        self.body = body
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.query = query
    }
}

/// Decodes PostHog capture bodies.
public enum PostHogBody {
    /// The JSON bytes a PostHog SDK encoded into `request`, checked against `limits` at every
    /// step: after `Content-Encoding`, the `compression` (query or form field; `gzip-js` and
    /// `gzip` gunzip, `lz64` is lz-string base64, `base64` is base64); then a form body's (or,
    /// with an empty body, the query's) `data` field; then, without a named compression, gzip
    /// by its magic bytes `1f 8b`, JSON when the first non-blank byte is `{` or `[`, and base64
    /// otherwise. Base64 output has CESU-8 surrogates joined (see `CESU8`). Cost: one pass per
    /// layer; only the layers present are paid for.
    public static func decode(_ request: PostHogBodyRequest, limits: WireBodyLimits) throws(WireDecodingError) -> [UInt8] {
        var bytes = try ContentEncodingBody.decode(request.body, contentEncoding: request.contentEncoding, limits: limits)
        var compression = FormBody.queryValue("compression", in: request.query)
        let isForm = request.contentType.map { $0.lowercased().hasPrefix("application/x-www-form-urlencoded") } ?? false
        if isForm || startsWithDataField(bytes) {
            if let named = try FormBody.field("compression", in: bytes) { compression = String(decoding: named, as: UTF8.self) }
            guard let data = try FormBody.field("data", in: bytes) else {
                throw WireDecodingError(.malformed, "the form body has no 'data' field; expected data=<base64 or JSON of the events>")
            }
            bytes = data
        } else if bytes.allSatisfy(isBlank), let query = request.query, let data = try FormBody.field("data", in: Array(query.utf8)) {
            bytes = data
        }
        switch compression?.lowercased() {
        case "gzip-js"?, "gzip"?:
            return try gunzip(bytes, limits: limits)
        case "lz64"?, "lz-string"?:
            return try LZString.decompressFromBase64(bytes, limits: limits)
        case "base64"?:
            return try base64(bytes, limits: limits)
        case nil, ""?, "none"?, "identity"?:
            if bytes.starts(with: [0x1F, 0x8B]) { return try gunzip(bytes, limits: limits) }
            if let first = bytes.first(where: { !isBlank($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                guard bytes.count <= limits.maxBytes else { throw limits.tooLarge("body", inputCount: bytes.count, limit: limits.maxBytes) }
                return bytes
            }
            guard bytes.contains(where: { !isBlank($0) }) else {
                throw WireDecodingError(.malformed, "the body is empty; expected JSON, base64, a form with data=, gzip or lz64")
            }
            return try base64(bytes, limits: limits)
        case let other?:
            throw WireDecodingError(.unsupported, "compression '\(other.prefix(40))' is not supported; expected gzip-js, gzip, lz64, base64 or none")
        }
    }

    /// Base64 to bytes, CESU-8 surrogates joined.
    static func base64(_ bytes: [UInt8], limits: WireBodyLimits) throws(WireDecodingError) -> [UInt8] {
        let decoded = try Base64Body.decode(bytes)
        guard decoded.count <= limits.maxBytes else { throw limits.tooLarge("base64 body", inputCount: bytes.count, limit: limits.maxBytes) }
        if decoded.starts(with: [0x1F, 0x8B]) { return try gunzip(decoded, limits: limits) }
        return CESU8.repaired(decoded) ?? decoded
    }

    /// A gzip member to bytes within the limits.
    static func gunzip(_ bytes: [UInt8], limits: WireBodyLimits) throws(WireDecodingError) -> [UInt8] {
        let output = try ContentEncodingBody.inflate(ByteBuffer(bytes: bytes), .gzip, limits: limits, what: "gzip body")
        return Array(output.readableBytesView)
    }

    private static func startsWithDataField(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("data=".utf8)) }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
