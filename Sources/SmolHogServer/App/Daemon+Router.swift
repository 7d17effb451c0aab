// Daemon+Router: the HTTP routes and middlewares of `serve`, in the order they are registered.
// The one place a route is wired; the served OpenAPI document and the 404/405 answers are
// built from what is registered here.

import Hummingbird
import Logging
import PipelineKit
import Prometheus
import Stages

extension Daemon {
    /// Every route of the HTTP server and its middlewares; the served OpenAPI document and the
    /// 404/405 answers list exactly the routes registered here.
    static func router(
        graph: CheckedGraph, runtime: PipelineRuntime, sources: [RunningSource], ingest: IngestPath, registry: PrometheusCollectorRegistry,
        role: ProcessRole, readiness: Readiness
    ) throws -> Router<PeerRequestContext> {
        let router = Router(context: PeerRequestContext.self)
        router.middlewares.add(MetricsMiddleware())
        let maxBatch = graph.stages.lazy.compactMap { $0.config(as: ValidateStageKind.self) }.first?.maxBatch ?? .max
        let gate = OverloadGate(queue: runtime.queue, maxBacklogEvents: graph.server.maxBacklogEvents)
        SourceRoutes(
            sources: sources, path: ingest, maxBodyBytes: graph.server.maxBodyBytes, maxItems: maxBatch, gate: gate, readiness: readiness,
            cors: graph.server.cors, trustedProxies: graph.server.trustedProxies
        ).register(on: router)
        if let reader = runtime.analytics {
            AnalyticsRoutes(reader: reader).register(on: router)
            if let people = reader as? any PersonStore { PeopleRoutes(people: people, reader: reader).register(on: router) }
        }
        let check = DependencyCheck(
            queue: runtime.queue, store: runtime.store, readiness: readiness, watchesStore: role.runsWorker && runtime.worker != nil,
            maxStoreStall: .milliseconds(Int(graph.server.maxStoreStallSeconds * 1000)), maxBacklogEvents: graph.server.maxBacklogEvents)
        HealthRoutes(check: check, registry: registry).register(on: router)
        ReadinessRoutes(check: check).register(on: router)
        DashboardRoutes().register(on: router)
        try OpenAPIRoutes().register(on: router)
        // Added last, it wraps only the router's "not found" (routes keep the middlewares they
        // were added under), and it knows every route registered above.
        router.middlewares.add(RouteErrorMiddleware(routes: router.servedRoutes))
        return router
    }

    /// The routes `serve` answers with this config, as path → lowercase method names: the
    /// graph is built (its files opened, nothing run) and the router made as `serve` makes it.
    static func servedRoutes(configFile: String) async throws -> [String: Set<String>] {
        let graph = try checkedGraph(configFile: configFile)
        let logger = Logger(label: "smolhogd.routes") { _ in SwiftLogNoOpLogHandler() }
        let runtime = try await graph.build(context: BuildContext(baseDirectory: graph.directory, logger: logger, role: .all))
        guard let ingest = runtime.ingest else { return [:] }
        let context = BuildContext(baseDirectory: graph.directory, logger: logger, role: .all)
        let sources = try await graph.buildSources(context: context)
        let router = try router(
            graph: graph, runtime: runtime, sources: sources, ingest: ingest, registry: PrometheusCollectorRegistry(), role: .all, readiness: Readiness())
        return OpenAPIRoutes.methodNames(router.servedRoutes)
    }
}
