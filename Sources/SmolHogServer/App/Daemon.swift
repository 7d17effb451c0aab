// Daemon: config → checked graph → running services. Owns the order of start-up steps and
// the ServiceGroup; the worker loop is built here and the HTTP routes in Daemon+Router.swift.
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
            services.append(try await httpServer(graph: graph, runtime: runtime, ingest: ingest, listen: listen, registry: registry))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    func httpServer(
        graph: CheckedGraph, runtime: PipelineRuntime, ingest: IngestPath, listen: String, registry: PrometheusCollectorRegistry
    ) async throws -> some Service {
        let (host, port) = try Self.parse(listen: listen)
        let sources = try await graph.buildSources(context: BuildContext(baseDirectory: graph.directory, logger: logger, role: role))
        let router = try Self.router(
            graph: graph, runtime: runtime, sources: sources, ingest: ingest, registry: registry, role: role, readiness: readiness)
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
