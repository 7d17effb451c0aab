// Source: the extension point for wire formats. A source declares its routes and turns one
// HTTP request into raw events plus the request's context, ahead of the first stage; the
// server owns HTTP, and calls the source with plain values (SourceRequest.swift).

/// A wire format SmolHog accepts (`native`, `posthog`, your own): its name under `sources:`
/// in pipeline.yaml, the routes it answers, and how one request becomes a batch.
///
/// ```swift
/// struct PingSource: Source {
///     static let name = "ping"
///     static let routes = [SourceRoute("/ping", methods: [.get, .post])]
///     static func build(_ config: NoSourceOptions, context: BuildContext) async throws -> PingSource { PingSource() }
///     func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse {
///         let event = RawEvent(fields: ["event_id": .string(request.query("id") ?? ""), "event_name": "ping", …])
///         let result = try await ingest(Batch([event], receivedAt: request.receivedAt, context: request.context))
///         return SourceResponse(status: 200, json: ["accepted": .number(JSONNumber(result.accepted.count))])
///     }
/// }
/// ```
/// Register it with `Plugins.builtIn.adding(sources: [PingSource.self])` and list it under
/// `sources:`; a source that is not listed answers 404 on its routes.
///
/// The server reads nothing of the body before `receive` asks for it
/// (`SourceRequest.body()`), answers CORS preflights and adds the CORS headers, and renders a
/// thrown `SourceError` or `PipelineError` as `{"code","message"}` with its status.
public protocol Source: Sendable {
    /// The source's options, decoded strictly from the YAML value under its name (an unknown
    /// key is an error at its line). `NoSourceOptions` when it has none.
    associatedtype Config: Decodable & Sendable
    /// The name under `sources:` in pipeline.yaml (snake_case); also `IngestContext.source`.
    static var name: String { get }
    /// The routes the source answers. Two listed sources may not share a method and path.
    static var routes: [SourceRoute] { get }
    /// Checks the options without I/O; each problem names the field and what is expected.
    static func check(_ config: Config) -> [ConfigProblem]
    /// Builds the running source once, when the daemon starts. May do I/O.
    static func build(_ config: Config, context: BuildContext) async throws -> Self
    /// Answers one request to one of `routes`: reads what it needs of it, hands the decoded
    /// events to `ingest` (at most once) and shapes the answer from its result. Called
    /// concurrently, once per request. Throw `SourceError` for a request it refuses (400,
    /// 413, 415); errors thrown by `ingest` (`PipelineError`: 413, 503) may be rethrown as
    /// they are.
    func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse
}

extension Source {
    /// Default: no problems beyond what decoding finds.
    public static func check(_ config: Config) -> [ConfigProblem] { [] }
}

/// The options of a source that has none: `- native` or `- native: {}`; any key is an error.
public struct NoSourceOptions: Decodable, Sendable, Hashable {
    private struct NoKeys: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// No options.
    public init() {}

    /// Decodes an empty mapping; a key in it is reported as unknown.
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: NoKeys.self)
    }
}

/// An HTTP method a source route answers (besides the `OPTIONS` preflight the server adds).
public enum SourceMethod: String, Sendable, Hashable, CaseIterable {
    /// `GET`: the request is in the query (PostHog's `GET /e?data=…`).
    case get = "GET"
    /// `POST`: the request is in the body.
    case post = "POST"
}

/// One path a source answers, with its methods. A path is answered with and without a
/// trailing slash (`/batch` and `/batch/`, as PostHog's SDKs send it).
public struct SourceRoute: Sendable, Hashable {
    /// The path: literal segments, starting with `/` (`/batch`, `/i/v1/analytics/events`).
    public var path: String
    /// The methods answered on it.
    public var methods: [SourceMethod]

    /// A route on `path` for `methods`.
    public init(_ path: String, methods: [SourceMethod] = [.post]) {
        self.path = path
        self.methods = methods
    }

    /// `path` without its trailing slashes (`/` stays `/`): how routes are compared.
    public var normalizedPath: String {
        var path = Substring(path)
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
