// PipelineError: failures of a whole batch that a caller (the HTTP layer) must map to an
// answer. Item-level problems are `Rejection`s, not errors.

/// A batch-level failure with a stable code.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// Which batch-level failure; the raw value is the `code` field of the HTTP error body.
    public enum Code: String, Sendable {
        /// More events than the validate stage allows in one request (HTTP 413).
        case batchTooLarge = "batch_too_large"
        /// The queue could not durably take the batch (HTTP 503, retry later).
        case queueUnavailable = "queue_unavailable"
        /// The store could not be reached (HTTP 503).
        case storeUnavailable = "store_unavailable"
    }

    /// Which failure; decides the HTTP status.
    public var code: Code
    /// What failed and what the client can do, returned as the error body's `message`.
    public var message: String
    /// A failure with this code and message; stages throw it from `process`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    /// `CODE: MESSAGE`, for logs.
    public var description: String { "\(code.rawValue): \(message)" }
}
