// segment: Segment's tracking API, so Segment-style SDKs (analytics-python, analytics.js,
// mobile) post to smolhogd unchanged. Decoding and mapping are WireFormats'
// (SegmentFormat); this file owns the routes and the answers. docs/sources.md lists what is
// accepted.

public import Logging
import NIOCore
public import PipelineKit
import WireDecoding
import WireFormats

/// `sources: [segment]`: `POST /v1/batch` (and `/v1/import`), `/v1/track`, `/v1/identify`,
/// `/v1/page`, `/v1/screen`, `/v1/group`, `/v1/alias`; the write key from Basic auth (user
/// part) or the body's `writeKey`.
///
/// Answers `200 {"success": true}` once anything of the request was taken (refused messages
/// are counted and logged); 400 `invalid_events` when nothing could be taken; 413 past the
/// limits (a message over 32 KiB is refused alone); 503 with `Retry-After` when the queue
/// cannot take it. Segment's SDKs retry 429 and 5xx and drop other 4xx.
public struct SegmentSource: Source {
    /// No options.
    public typealias Config = NoSourceOptions

    /// `segment`.
    public static let name = "segment"

    /// Each route's endpoint.
    static let endpoints: [String: SegmentFormat.Endpoint] = [
        "/v1/batch": .batch, "/v1/import": .batch, "/v1/track": .track, "/v1/identify": .identify, "/v1/page": .page,
        "/v1/screen": .screen, "/v1/group": .group, "/v1/alias": .alias,
    ]

    /// The paths above, `POST`.
    public static let routes = endpoints.keys.sorted().map { SourceRoute($0, methods: [.post]) }

    let refusals: WireRefusals

    /// A Segment source logging refusals to `logger`.
    public init(logger: Logger) { refusals = WireRefusals(source: Self.name, logger: logger) }

    /// Builds the source; no I/O.
    public static func build(_ config: Config, context: BuildContext) async throws -> SegmentSource { SegmentSource(logger: context.logger) }

    /// Answers one Segment request (see the type's documentation).
    public func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse {
        guard let endpoint = Self.endpoints[SourceRoute(request.path).normalizedPath] else {
            throw SourceError(status: 404, code: "not_found", message: "\(request.path) is not a Segment endpoint")
        }
        let body = try await request.body()
        let wire: WireBatch
        do {
            wire = try SegmentFormat.decode(
                json: body, endpoint: endpoint,
                context: WireRequestContext(receivedAt: request.receivedAt, authorization: request.header("Authorization")),
                limits: WireBodyLimits(maxBytes: request.maxBodyBytes, maxItems: request.maxItems))
        } catch {
            throw error.sourceError
        }
        let result = try await ingest(wire.batch(request))
        refusals.record(result.rejections)
        if result.tookNothing { return WireRefusals.nothingTaken(result, received: wire.messageCount) }
        return SourceResponse(status: 200, json: ["success": true])
    }
}
