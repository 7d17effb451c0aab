// `smolhogd serve`: the HTTP server (ingest, analytics, dashboard) and, unless
// `--role ingest`, the worker in the same process.

import ArgumentParser
import PipelineKit

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP server; with the default role also the worker.")

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case all
        case ingest
    }

    @OptionGroup var options: DaemonOptions

    @Option(name: .long, help: "Listen address HOST:PORT (overrides server.listen; port 0 picks a free port).")
    var listen: String?

    @Option(name: .long, help: "all: ingest and worker paths in one process; ingest: HTTP only, a separate `smolhogd worker` consumes.")
    var role: Role = .all

    func run() async throws {
        let (logger, registry) = try options.bootstrap()
        let daemon = Daemon(configFile: options.configFile, role: role == .all ? .all : .ingest, listenOverride: listen, logger: logger)
        try await runDaemon(daemon, registry: registry)
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run the worker path only: consume the queue, store, aggregate.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        let (logger, registry) = try options.bootstrap()
        try await runDaemon(Daemon(configFile: options.configFile, role: .worker, listenOverride: nil, logger: logger), registry: registry)
    }
}
