// GET /healthz and GET /metrics: which dependency is down (the drivers' probes and what the
// process observed, see DependencyCheck), and the Prometheus exposition.

import Hummingbird
import NIOCore
import PipelineKit
import Prometheus

struct HealthRoutes: Sendable {
    let check: DependencyCheck
    let registry: PrometheusCollectorRegistry

    func register(on router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in await self.health() }
        router.get("/metrics") { _, _ in
            _ = await self.health()  // sets the readiness gauges
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer())))
        }
    }

    /// 200 when every dependency is up; 503 naming the ones that are down.
    func health() async -> Response {
        var results = [await check.queueHealth()]
        if let store = await check.storeHealth(ping: true) { results.append(store) }
        let down = results.filter { !$0.up }
        var body: JSONObject = ["status": down.isEmpty ? "ok" : "degraded"]
        for result in results {
            body[result.name] = .object(["up": .bool(result.up), "detail": JSONValue(result.detail)])
        }
        if !down.isEmpty { body["message"] = .string("down: " + down.map(\.name).joined(separator: ", ")) }
        check.recordGauges(ready: down.isEmpty, dependencies: results)
        return JSONResponse.make(down.isEmpty ? .ok : .serviceUnavailable, body)
    }
}
