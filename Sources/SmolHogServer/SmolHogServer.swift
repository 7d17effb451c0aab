// The server library's entry point: `smolhogd` and a team's own daemon are each one call to
// `SmolHogServer.main(plugins:)` with the plugins they register.

public import PipelineKit
import Stages

/// Runs the `smolhogd` command line (serve, worker, check-config, migrate) with `plugins`.
///
/// ```swift
/// // Sources/my-smolhogd/main.swift in a team's own package:
/// import SmolHogServer
/// import Stages
/// await SmolHogServer.main(plugins: try Plugins.builtIn.adding(stages: [PlanLookupStageKind.self]))
/// ```
public enum SmolHogServer {
    /// The plugins of this process's commands, set once by `main(plugins:)`.
    @TaskLocal static var plugins: Plugins = .builtIn

    /// Parses the process's arguments and runs the command; exits the process when done.
    public static func main(plugins: Plugins) async {
        await $plugins.withValue(plugins) { await SmolHogd.main() }
    }
}
