// IngestContext: what the HTTP request that carried a batch said about itself (client IP,
// User-Agent, source, key, sent-at). Travels with the batch through the queue to the worker;
// it is not stored unless a stage copies it into the events.

/// The request a batch came in: set by the source on the ingest path, read back from the
/// queue message on the worker path, so stages on either path can use it (`Batch.context`).
///
/// It is not written to the store: the client IP is personal data, and a stage that wants
/// any of it in the events copies it there itself. Every field may be nil (a message queued
/// by an older build has none).
public struct IngestContext: Sendable, Hashable {
    /// Name of the source that decoded the request (`native`, `posthog`); nil when unknown.
    public var source: String?
    /// The client's address: the TCP peer, or the right-most untrusted `X-Forwarded-For`
    /// entry when the peer is one of `server.trusted_proxies`; nil when unknown.
    public var clientIP: String?
    /// The request's `User-Agent` header, as sent; nil when absent.
    public var userAgent: String?
    /// The project or write key the request carried (a source extracts it); nil when none.
    public var key: String?
    /// When the client says it sent the request (the envelope's `sent_at`/`sentAt`), for
    /// clock-skew correction; nil when the wire format has none.
    public var sentAt: Timestamp?

    /// A context with these fields; all nil by default (an unknown request).
    public init(source: String? = nil, clientIP: String? = nil, userAgent: String? = nil, key: String? = nil, sentAt: Timestamp? = nil) {
        self.source = source
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.key = key
        self.sentAt = sentAt
    }

    /// True when no field is set.
    public var isEmpty: Bool { self == IngestContext() }
}
