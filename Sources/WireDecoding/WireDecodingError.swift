// WireDecodingError: why a request could not be decoded (too large, not the encoding or
// envelope it claims, an encoding SmolHog does not read); the one error type of the body
// decoders here and of the wire formats (WireFormats). The HTTP layer maps `tooLarge` to 413,
// `unsupported` to 415, `malformed` to 400. WireBodyLimits: the limits every decoder enforces.

/// Why a request's body or envelope could not be decoded: what was wrong, where, and what is
/// expected. A single message's problem is a `Rejection` instead.
public struct WireDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, for choosing an HTTP status.
    public enum Code: Sendable, Equatable {
        /// The decoded bytes would pass the caller's `maxBytes`, or the decompression ratio cap.
        case tooLarge
        /// The bytes are not what their encoding or format says (bad base64, a truncated stream,
        /// not JSON, no events where the envelope keeps them).
        case malformed
        /// The request names an encoding or compression this decoder does not read.
        case unsupported
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence for the API client: what was wrong, where, and what is expected.
    public var message: String

    /// A failure of kind `code`, explained by `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// The limits every body decoder enforces while it decodes, never after.
public struct WireBodyLimits: Sendable, Equatable {
    /// Most bytes a decoded body may have; a decoder stops and throws `tooLarge` on reaching it.
    public var maxBytes: Int
    /// Most output bytes per input byte a decompressor may produce (a bomb's ratio is in the
    /// thousands; real JSON compresses 5 to 30 times). Bodies that decode to at most
    /// `ratioFloor` bytes are not held to it.
    public var maxRatio: Int
    /// Output size under which the ratio is not checked, so tiny repetitive bodies pass.
    public var ratioFloor: Int
    /// Most messages one request may carry (`validate.max_batch`); a format's decoder throws
    /// `tooLarge` past it, before mapping any.
    public var maxItems: Int

    /// Limits of `maxBytes` output, at most `maxRatio` times the input beyond `ratioFloor`
    /// bytes (defaults: 100 and 64 KiB), and `maxItems` messages (default: no limit).
    public init(maxBytes: Int, maxRatio: Int = 100, ratioFloor: Int = 64 * 1024, maxItems: Int = .max) {
        self.maxBytes = maxBytes
        self.maxRatio = maxRatio
        self.ratioFloor = ratioFloor
        self.maxItems = maxItems
    }

    /// Most JSON values a decoded body's parse may build: a value costs about 24 bytes of
    /// tree, so this keeps the tree near twice `maxBytes` whatever the body holds (a body of
    /// `[0,0,0,…]` is one value per two bytes). Real requests hold far fewer.
    public var maxJSONValues: Int { max(4096, maxBytes / 12) }

    /// The `tooLarge` error for `count` messages past `maxItems`.
    public func tooManyItems(_ count: Int) -> WireDecodingError {
        WireDecodingError(
            .tooLarge, "request has \(count) messages; at most \(maxItems) are accepted per request (validate.max_batch)")
    }

    /// The most bytes `inputCount` input bytes may decode to: the smaller of `maxBytes` and
    /// the ratio cap (never below `ratioFloor`).
    public func outputLimit(forInput inputCount: Int) -> Int {
        let (scaled, overflow) = inputCount.multipliedReportingOverflow(by: maxRatio)
        return min(maxBytes, max(ratioFloor, overflow ? .max : scaled))
    }

    /// The `tooLarge` error for a decoder that reached `limit` on `inputCount` input bytes,
    /// naming which cap it was.
    func tooLarge(_ what: String, inputCount: Int, limit: Int) -> WireDecodingError {
        if limit < maxBytes {
            return WireDecodingError(
                .tooLarge, "\(what) of \(inputCount) bytes expands more than \(maxRatio) times (past \(limit) bytes); expected a ratio of at most \(maxRatio)")
        }
        return WireDecodingError(.tooLarge, "\(what) decodes to more than \(maxBytes) bytes; expected at most \(maxBytes)")
    }
}
