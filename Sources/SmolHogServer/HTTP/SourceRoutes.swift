// The ingest routes: every listed source's routes (native's POST /events, …), each answered
// by its source through the ingest path. Owns the Hummingbird glue of sources: building a
// SourceRequest (peer → client IP, body read within the limits), running the ingest path,
// and rendering the source's answer or error. Answers only after the queue has the events.

import HTTPTypes
import Hummingbird
import Metrics
import PipelineKit

/// Registers each source's routes (and their `OPTIONS` preflights, under CORS); a source not
/// listed in `sources:` has no route, so its paths answer 404.
struct SourceRoutes: Sendable {
    let sources: [RunningSource]
    let path: IngestPath
    let maxBodyBytes: Int
    /// `validate.max_batch`: a source's parser may stop past it (413).
    var maxItems: Int = .max
    /// Refuses requests while the backlog is past its bound; nil never refuses.
    var gate: OverloadGate?
    /// Where publish outcomes are recorded for GET /readyz.
    var readiness: Readiness?
    var cors = CORSSettings()
    var trustedProxies = TrustedProxies()

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")

    /// One CORS group per path (its methods those of every source on it), each method once:
    /// the router treats `/batch` and `/batch/` as one path and traps on a second handler.
    func register(on router: Router<PeerRequestContext>) {
        var byPath: [(path: String, handlers: [(method: SourceMethod, source: RunningSource)])] = []
        for source in sources {
            for route in source.routes {
                let path = route.normalizedPath
                let index = byPath.firstIndex { $0.path == path } ?? byPath.endIndex
                if index == byPath.endIndex { byPath.append((path, [])) }
                for method in route.methods where !byPath[index].handlers.contains(where: { $0.method == method }) {
                    byPath[index].handlers.append((method, source))
                }
            }
        }
        for (path, handlers) in byPath {
            let methods = (handlers.map(\.method.rawValue).sorted() + ["OPTIONS"]).joined(separator: ", ")
            let group = router.group().add(middleware: IngestCORSMiddleware(settings: cors, methods: methods))
            for (method, source) in handlers {
                group.on(RouterPath(path), method: method == .get ? .get : .post) { request, context in
                    try await receive(request, context: context, source: source, method: method)
                }
            }
            group.on(RouterPath(path), method: .options) { _, _ in Response(status: .noContent) }
        }
    }

    func receive(_ request: Request, context: PeerRequestContext, source: RunningSource, method: SourceMethod) async throws -> Response {
        if let refusal = gate?.refusal() { return refusal }
        let receivedAt = Timestamp.now()
        let headers = request.headers
        let ingestContext = IngestContext(
            source: source.name, clientIP: trustedProxies.clientIP(peer: context.peer, forwardedFor: Self.forwardedFor.map { headers[values: $0] } ?? []),
            userAgent: headers[.userAgent])
        let limit = maxBodyBytes
        let sourceRequest = SourceRequest(
            method: method, path: request.uri.path, context: ingestContext, receivedAt: receivedAt, maxItems: maxItems, maxBodyBytes: limit,
            rawQuery: request.uri.query,
            header: { name in HTTPField.Name(name).flatMap { headers[values: $0].isEmpty ? nil : headers[values: $0].joined(separator: ", ") } },
            queryItems: { request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) } },
            body: {
                do {
                    // One memcpy: an Array built from the view would copy byte by byte.
                    return try await RequestBody.bytes(request, limit: limit).withUnsafeReadableBytes { Array($0) }
                } catch let error as APIError {
                    throw SourceError(status: Int(error.status.code), code: error.code, message: error.message)
                }
            })
        let answer: SourceResponse
        do {
            answer = try await source.receive(sourceRequest, SourceIngest { batch in try await ingest(batch) })
        } catch let error as SourceError {
            throw APIError(HTTPResponse.Status(code: error.status), error.code, error.message)
        } catch let error as PipelineError {
            throw error.apiError
        }
        var writer = JSONWriter(capacity: 256)
        writer.write(answer.json)
        var response = JSONResponse.make(HTTPResponse.Status(code: answer.status), bytes: writer.bytes)
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { response.headers.append(HTTPField(name: field, value: value)) }
        }
        return response
    }

    /// Runs the ingest path; counts the outcome and records publish failures for /readyz.
    func ingest(_ batch: Batch<RawEvent>) async throws -> IngestResult {
        do {
            let accepted = try await path.run(batch)
            readiness?.publishSucceeded()
            Counter(label: "smolhog_ingest_events_total", dimensions: [("outcome", "accepted")]).increment(by: accepted.count)
            Counter(label: "smolhog_ingest_events_total", dimensions: [("outcome", "rejected")]).increment(by: accepted.rejections.count)
            if accepted.filtered > 0 {
                Counter(label: "smolhog_ingest_events_total", dimensions: [("outcome", "filtered")]).increment(by: accepted.filtered)
            }
            return IngestResult(accepted: accepted.items, rejections: accepted.rejections.sorted { $0.index < $1.index }, filtered: accepted.filtered)
        } catch let error as PipelineError {
            Counter(label: "smolhog_ingest_failed_requests_total", dimensions: [("code", error.code.rawValue)]).increment()
            if error.code == .queueUnavailable { readiness?.publishFailed(error.message) }
            throw error
        }
    }
}
