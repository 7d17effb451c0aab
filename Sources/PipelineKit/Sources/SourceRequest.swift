// SourceRequest and SourceResponse: one HTTP request and its answer as plain values, so a
// source needs no HTTP library. The server builds the request (reading the body only when the
// source asks) and renders the response.

/// One request to a source's route. The body is read (within `server.max_body_bytes`, before
/// and after undoing its `Content-Encoding`) only when `body()` is called.
public struct SourceRequest: Sendable {
    /// `GET` or `POST`.
    public let method: SourceMethod
    /// The request path, without the query (`/batch/`).
    public let path: String
    /// When the request arrived; the `receivedAt` of the batch it becomes.
    public let receivedAt: Timestamp
    /// What the server knows of the request already: `source` (this source's name),
    /// `clientIP` and `userAgent`. A source adds `key` and `sentAt` when its format has them.
    public let context: IngestContext
    /// Most items one request may carry (`validate.max_batch`); a source may stop decoding
    /// past it and throw 413 (`SourceError.tooManyEvents`).
    public let maxItems: Int
    /// `server.max_body_bytes`: what `body()` enforces, and what a source that decodes further
    /// (base64, lz-string, a gzip its format names) holds its output to.
    public let maxBodyBytes: Int
    /// The query as sent, after `?` and not percent-decoded; nil without one. For formats that
    /// decode it themselves (PostHog's `data=` holds base64, whose `+` a decoder must keep).
    public let rawQuery: String?
    private let headerLookup: @Sendable (String) -> String?
    private let queryItemsOf: @Sendable () -> [(name: String, value: String)]
    private let readBody: @Sendable () async throws -> [UInt8]

    /// A request made of plain values (tests, other servers). `headers` names are matched
    /// without regard to case.
    public init(
        method: SourceMethod, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
        body: [UInt8] = [], context: IngestContext = IngestContext(), receivedAt: Timestamp = .now(), maxItems: Int = .max,
        maxBodyBytes: Int = .max, rawQuery: String? = nil
    ) {
        let lowered = headers.map { (name: $0.name.lowercased(), value: $0.value) }
        self.init(
            method: method, path: path, context: context, receivedAt: receivedAt, maxItems: maxItems, maxBodyBytes: maxBodyBytes, rawQuery: rawQuery,
            header: { name in lowered.first { $0.name == name.lowercased() }?.value }, queryItems: { query }, body: { body })
    }

    /// A request whose parts are read on demand (what the HTTP server builds).
    package init(
        method: SourceMethod, path: String, context: IngestContext, receivedAt: Timestamp, maxItems: Int, maxBodyBytes: Int, rawQuery: String?,
        header: @escaping @Sendable (String) -> String?, queryItems: @escaping @Sendable () -> [(name: String, value: String)],
        body: @escaping @Sendable () async throws -> [UInt8]
    ) {
        self.method = method
        self.path = path
        self.context = context
        self.receivedAt = receivedAt
        self.maxItems = maxItems
        self.maxBodyBytes = maxBodyBytes
        self.rawQuery = rawQuery
        self.headerLookup = header
        self.queryItemsOf = queryItems
        self.readBody = body
    }

    /// The value of header `name` (any case), or nil; repeated headers are joined with `, `.
    public func header(_ name: String) -> String? { headerLookup(name) }

    /// The query's items, percent-decoded, in order (a name may repeat).
    public var queryItems: [(name: String, value: String)] { queryItemsOf() }

    /// The first value of query item `name`, percent-decoded, or nil.
    public func query(_ name: String) -> String? { queryItemsOf().first { $0.name == name }?.value }

    /// The body, decompressed. Throws `SourceError` 413 `body_too_large` past
    /// `server.max_body_bytes` (before or after decompression), 415 `unsupported_encoding`
    /// for a `Content-Encoding` other than gzip or deflate, 400 `malformed_body` when it does
    /// not decompress. Cost: the body is collected once; call it once.
    public func body() async throws -> [UInt8] { try await readBody() }
}

/// A source's answer: a status, a JSON body and extra headers (the server adds
/// `Content-Type: application/json; charset=utf-8` and the CORS headers).
public struct SourceResponse: Sendable {
    /// The HTTP status (200, 400, …).
    public var status: Int
    /// The body, written as compact JSON.
    public var json: JSONValue
    /// Extra headers, by name.
    public var headers: [(name: String, value: String)]

    /// An answer with this status, JSON body and headers.
    public init(status: Int, json: JSONValue, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.json = json
        self.headers = headers
    }
}

/// A request a source refuses as a whole; the server answers `status` with
/// `{"code": code, "message": message}`.
public struct SourceError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status (400, 413, 415).
    public var status: Int
    /// A stable snake_case code (`malformed_json`).
    public var code: String
    /// What was wrong and what is expected, for the client.
    public var message: String

    /// A refusal with this status, code and message.
    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// 400 `code`: a body the source cannot read.
    public static func badRequest(_ code: String, _ message: String) -> SourceError { SourceError(status: 400, code: code, message: message) }

    /// 413 `batch_too_large`: more than `limit` events in one request.
    public static func tooManyEvents(limit: Int) -> SourceError {
        SourceError(
            status: 413, code: "batch_too_large",
            message: "request has more than \(limit) events; at most \(limit) are accepted per request (validate.max_batch)")
    }

    /// `CODE (STATUS): MESSAGE`, for logs.
    public var description: String { "\(code) (\(status)): \(message)" }
}
