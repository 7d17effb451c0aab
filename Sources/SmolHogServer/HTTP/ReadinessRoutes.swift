// GET /readyz: should this process be sent events now? 200 `ready` when the queue takes
// publishes, the worker (when this process runs one) is storing, and the backlog is under
// `server.max_backlog_events`; 503 with Retry-After naming what is not ready otherwise.
// /healthz differs: it is liveness plus every dependency, the store's reads included.

import Hummingbird
import PipelineKit

struct ReadinessRoutes: Sendable {
    let check: DependencyCheck

    func register(on router: Router<some RequestContext>) {
        router.get("/readyz") { _, _ in await self.answer() }
    }

    func answer() async -> Response {
        let queue = await check.queueHealth()
        let store = await check.storeHealth(ping: false)
        let dependencies = [queue] + (store.map { [$0] } ?? [])
        var problems = dependencies.filter { !$0.up }.map { "\($0.name) (\($0.detail ?? "down"))" }
        var body: JSONObject = [:]
        for dependency in dependencies {
            body[dependency.name] = .object(["ready": .bool(dependency.up), "detail": JSONValue(dependency.detail)])
        }
        if let backlog = check.backlog {
            body["backlog_events"] = JSONValue(backlog)
            body["max_backlog_events"] = JSONValue(check.maxBacklogEvents)
            if backlog >= check.maxBacklogEvents {
                problems.append("backlog (\(backlog) events not yet stored, bound server.max_backlog_events \(check.maxBacklogEvents))")
            }
        }
        let ready = problems.isEmpty
        check.recordGauges(ready: ready, dependencies: dependencies)
        body["status"] = .string(ready ? "ready" : "not_ready")
        guard !ready else { return JSONResponse.make(.ok, body) }
        body["message"] = .string("not ready: " + problems.joined(separator: "; "))
        var response = JSONResponse.make(.serviceUnavailable, body)
        response.headers[.retryAfter] = "1"
        return response
    }
}
