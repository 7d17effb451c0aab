// IngestCORSMiddleware: CORS for the ingest routes only, so browser SDKs on other sites can
// send events. Answers preflights (OPTIONS → 204) and adds Access-Control-Allow-Origin to
// every answer, errors included. The analytics routes are not under it.

import HTTPTypes
import Hummingbird
import PipelineKit

/// Answers `OPTIONS` with 204 and the `Access-Control-*` headers (the requested headers
/// reflected), and adds `Access-Control-Allow-Origin` (and `Vary: Origin` when it depends on
/// the origin) to every other answer, thrown errors included.
struct IngestCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let settings: CORSSettings
    /// `Access-Control-Allow-Methods` of preflights (`GET, POST, OPTIONS`).
    let methods: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (origin, varies) = settings.allowOrigin(for: request.headers[.origin])
        var response: Response
        if request.method == .options {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = methods
            response.headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? "Content-Type, Content-Encoding, Authorization"
            response.headers[.accessControlMaxAge] = String(settings.maxAgeSeconds)
            if request.headers[.accessControlRequestHeaders] != nil { response.headers.append(HTTPField(name: .vary, value: "Access-Control-Request-Headers")) }
        } else {
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
        }
        if let origin { response.headers[.accessControlAllowOrigin] = origin }
        if varies { response.headers.append(HTTPField(name: .vary, value: "Origin")) }
        return response
    }
}
