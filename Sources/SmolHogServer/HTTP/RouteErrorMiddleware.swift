// RouteErrorMiddleware: what a request that matches no route gets. A known path asked with
// another method answers 405 with `Allow`; an unknown path 404; both with the JSON error
// body every endpoint answers with, never an empty one.

import Hummingbird

/// Turns the router's bare "not found" into `{"code","message"}` answers: 405 with `Allow`
/// for a path served with other methods, 404 naming the routes otherwise.
struct RouteErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each served path and its methods (`HEAD` is served wherever `GET` is).
    let routes: [String: [HTTPRequest.Method]]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard let methods = routes[path] else {
                throw APIError(.notFound, "not_found", "no route for \(path); expected one of: \(routes.keys.sorted().joined(separator: ", "))")
            }
            let allowed = (methods.contains(.get) ? methods + [.head] : methods).map(\.rawValue)
            throw APIError(
                .methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not served at \(path); expected \(allowed.joined(separator: " or "))",
                headers: [.allow: allowed.joined(separator: ", ")])
        }
    }
}

extension Router {
    /// Each path registered so far and its methods, as `RouteErrorMiddleware` and the served
    /// OpenAPI document see them.
    var servedRoutes: [String: [HTTPRequest.Method]] {
        Dictionary(grouping: routes) { "\($0.path)" }.mapValues { $0.map(\.method) }
    }
}
