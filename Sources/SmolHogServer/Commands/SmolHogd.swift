// The command line: `smolhogd serve | worker | check-config | migrate`.

import ArgumentParser
import Foundation
import Logging
import Metrics
import PipelineKit
import Prometheus

struct SmolHogd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smolhogd",
        abstract: "SmolHog: a self-hosted product-analytics pipeline.",
        version: SmolHogVersion.description,
        subcommands: [ServeCommand.self, WorkerCommand.self, CheckConfigCommand.self, MigrateCommand.self],
        defaultSubcommand: ServeCommand.self)
}

/// Options every long-running command shares.
struct DaemonOptions: ParsableArguments {
    @Option(name: .long, help: "Pipeline config file (default: $SMOLHOG_CONFIG or ./pipeline.yaml).")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    var configFile: String { config ?? ProcessInfo.processInfo.environment["SMOLHOG_CONFIG"] ?? "pipeline.yaml" }

    /// Sets up logging and metrics once per process; returns the root logger and the registry.
    func bootstrap() throws -> (Logger, PrometheusCollectorRegistry) {
        MallocArenas.apply()
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level '\(logLevel)' is not a level; expected one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return (Logger(label: "smolhogd"), registry)
    }
}

/// Runs a daemon and turns a config error into its report and exit status 1.
func runDaemon(_ daemon: Daemon, registry: PrometheusCollectorRegistry) async throws {
    do {
        try await daemon.run(registry: registry)
    } catch let error as ConfigError {
        daemon.logger.critical("Config is invalid.", metadata: ["file": "\(daemon.configFile)"])
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw ExitCode(1)
    } catch {
        daemon.logger.critical("smolhogd stopped with an error.", metadata: ["error": "\(error)"])
        throw ExitCode(1)
    }
}
