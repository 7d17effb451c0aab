// posthog: PostHog's capture API, so PostHog SDKs (posthog-js, posthog-python, mobile) post
// to smolhogd unchanged. Decoding and mapping are WireFormats' (PostHogFormat); this file
// owns the routes, the answers each SDK needs, and the flags stubs that let client SDKs
// start. docs/sources.md lists what is accepted.

public import Logging
import NIOCore
public import PipelineKit
import WireDecoding
import WireFormats

/// `sources: [posthog]`: `POST /batch`, `/e`, `/capture`, `/track`, `/engage`, `/i/v0/e`
/// (and `GET` with `?data=`), `POST /i/v1/analytics/events`, and `/decide`, `/flags`.
///
/// Answers: v0 routes exactly `200 {"status": 1}` once anything of the request was taken,
/// also when some events were refused (PostHog's SDKs drop the whole batch on a 4xx); v1
/// `200 {"results": {uuid: {"result": "ok"}}}` for the events taken; 400 when nothing could
/// be taken; 413 past the limits; 503 with `Retry-After` when the queue cannot take it.
public struct PostHogSource: Source {
    /// No options.
    public typealias Config = NoSourceOptions

    /// `posthog`.
    public static let name = "posthog"

    /// The capture paths of PostHog's v0 API.
    static let capturePaths = ["/batch", "/e", "/capture", "/track", "/engage", "/i/v0/e"]
    /// The v1 capture path (`capture_mode="v1"` in posthog-python).
    static let v1Path = "/i/v1/analytics/events"
    /// Feature-flag endpoints client SDKs call at start.
    static let flagPaths = ["/decide", "/flags"]

    /// Every path above; v0 capture and flags with GET too.
    public static let routes =
        capturePaths.map { SourceRoute($0, methods: [.get, .post]) } + [SourceRoute(v1Path, methods: [.post])]
        + flagPaths.map { SourceRoute($0, methods: [.get, .post]) }

    let refusals: WireRefusals

    /// A PostHog source logging refusals to `logger`.
    public init(logger: Logger) { refusals = WireRefusals(source: Self.name, logger: logger) }

    /// Builds the source; no I/O.
    public static func build(_ config: Config, context: BuildContext) async throws -> PostHogSource { PostHogSource(logger: context.logger) }

    /// Answers one PostHog request (see the type's documentation).
    public func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse {
        let path = SourceRoute(request.path).normalizedPath
        if Self.flagPaths.contains(path) { return Self.noFlags }
        let version: PostHogFormat.Version = path == Self.v1Path ? .v1 : .v0
        let body = request.method == .post ? try await request.body() : []
        let wire: WireBatch
        do {
            wire = try PostHogFormat.decode(
                PostHogBodyRequest(body: ByteBuffer(bytes: body), contentType: request.header("Content-Type"), query: request.rawQuery),
                version: version, limits: WireBodyLimits(maxBytes: request.maxBodyBytes, maxItems: request.maxItems),
                context: WireRequestContext(receivedAt: request.receivedAt, authorization: request.header("Authorization"), query: request.rawQuery))
        } catch {
            throw error.sourceError
        }
        let result = try await ingest(wire.batch(request))
        refusals.record(result.rejections)
        if result.tookNothing { return WireRefusals.nothingTaken(result, received: wire.messageCount) }
        switch version {
        case .v0:
            return SourceResponse(status: 200, json: ["status": 1])
        case .v1:
            var results = JSONObject()
            for event in result.accepted { results[event.eventID] = ["result": "ok"] }
            return SourceResponse(status: 200, json: ["results": .object(results)])
        }
    }

    /// What `/decide` and `/flags` answer: no flags, no remote config, gzip accepted; enough
    /// for posthog-js and the mobile SDKs to start and capture.
    static let noFlags = SourceResponse(
        status: 200,
        json: [
            "config": ["enable_collect_everything": true], "featureFlags": [:], "featureFlagPayloads": [:], "flags": [:],
            "errorsWhileComputingFlags": false, "sessionRecording": false, "supportedCompression": ["gzip-js"], "quotaLimited": [],
        ])
}
