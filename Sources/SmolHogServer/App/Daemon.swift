// Daemon: config → checked graph → running services. Owns the order of start-up steps and
// the ServiceGroup; the HTTP routes and the worker loop are built here, nowhere else.
//
//   pipeline.yaml ─load─▶ PipelineDocument ─compile─▶ CheckedGraph ─build─▶ PipelineRuntime
//                                                                              │
//        ServiceGroup [ driver services…, HeapTrimmer, WorkerLoop (worker role), HTTP (ingest role) ]
//        shutdown runs in reverse: HTTP stops taking requests first (requests in progress get
//        server.shutdown_timeout_s, then their connections close), the worker then
//        finishes and acks its batch, the drivers close last.

import Hummingbird
import Logging
import NIOCore
import PipelineKit
import Prometheus
import ServiceLifecycle
import Stages

struct Daemon {
    let configFile: String
    let role: ProcessRole
    let listenOverride: String?
    let logger: Logger
    /// Publish and store outcomes, shared by the worker, ingest and GET /readyz.
    let readiness = Readiness()

    /// Loads and checks the config; throws a `ConfigError` listing every problem.
    static func checkedGraph(configFile: String) throws -> CheckedGraph {
        let document = try PipelineDocument.load(file: configFile)
        return try GraphCompiler.compile(document, plugins: SmolHogServer.plugins)
    }

    func run(registry: PrometheusCollectorRegistry) async throws {
        let graph = try Self.checkedGraph(configFile: configFile)
        let runtime = try await graph.build(context: BuildContext(baseDirectory: graph.directory, logger: logger, role: role))
        var services: [any Service] = runtime.services + [HeapTrimmer()]
        if role.runsWorker, let worker = runtime.worker {
            services.append(
                WorkerLoop(queue: runtime.queue, path: worker, settings: runtime.settings, logger: logger.with("component", "worker"), readiness: readiness))
        }
        if role.runsIngest, let ingest = runtime.ingest {
            let listen = listenOverride ?? graph.server.listen
            services.append(try httpServer(graph: graph, runtime: runtime, ingest: ingest, listen: listen, registry: registry))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    func httpServer(
        graph: CheckedGraph, runtime: PipelineRuntime, ingest: IngestPath, listen: String, registry: PrometheusCollectorRegistry
    ) throws -> some Service {
        let (host, port) = try Self.parse(listen: listen)
        let router = Router()
        router.middlewares.add(MetricsMiddleware())
        let maxBatch = graph.stages.lazy.compactMap { $0.config(as: ValidateStageKind.self) }.first?.maxBatch ?? .max
        let gate = OverloadGate(queue: runtime.queue, maxBacklogEvents: graph.server.maxBacklogEvents)
        IngestRoutes(path: ingest, maxBodyBytes: graph.server.maxBodyBytes, maxItems: maxBatch, gate: gate, readiness: readiness).register(on: router)
        if let reader = runtime.analytics {
            AnalyticsRoutes(reader: reader).register(on: router)
        }
        let check = DependencyCheck(
            queue: runtime.queue, store: runtime.store, readiness: readiness, watchesStore: role.runsWorker && runtime.worker != nil,
            maxStoreStall: .milliseconds(Int(graph.server.maxStoreStallSeconds * 1000)), maxBacklogEvents: graph.server.maxBacklogEvents)
        HealthRoutes(check: check, registry: registry).register(on: router)
        ReadinessRoutes(check: check).register(on: router)
        DashboardRoutes().register(on: router)
        // Added last, it wraps only the router's "not found" (routes keep the middlewares they
        // were added under), and it knows every route registered above.
        let routes = Dictionary(grouping: router.routes) { "\($0.path)" }.mapValues { $0.map(\.method) }
        router.middlewares.add(RouteErrorMiddleware(routes: routes))
        let logger = self.logger
        let connections = ConnectionPolicy(settings: graph.server, logger: logger.with("component", "http"))
        let application = Application(
            router: router,
            server: connections.http1,
            configuration: .init(address: .hostname(host, port: port), serverName: "smolhogd"),
            onServerRunning: { channel in
                await connections.listening(channel)
                logger.info(
                    "Listening.", metadata: ["address": "\(channel.localAddress?.description ?? listen)", "port": "\(channel.localAddress?.port ?? port)"],
                    // Tests and scripts read the port from this line: `port=N [smolhogd] Listening.`
                    source: "smolhogd")
            },
            logger: logger.with("component", "http"))
        return connections.bounded(application)
    }

    /// `HOST:PORT` → parts; the error says what was expected.
    static func parse(listen: String) throws -> (String, Int) {
        guard let parts = ServerSettings.parse(listen: listen) else {
            throw DaemonError("listen address '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:8000)")
        }
        return parts
    }
}

/// A start-up problem outside the config file (bad flag value, and so on).
struct DaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Logger {
    func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy[metadataKey: key] = .string(value)
        return copy
    }
}
