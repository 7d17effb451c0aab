// `smolhogd check-config [FILE]`: compile the config without connecting to anything and
// print the graph, or every problem with its file:line:column. Exit status 1 on error.

import ArgumentParser
import Foundation
import PipelineKit

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Check a pipeline config and print the stage graph.")

    @Argument(help: "Config file (default: $SMOLHOG_CONFIG or ./pipeline.yaml).")
    var file: String?

    func run() throws {
        let path = file ?? ProcessInfo.processInfo.environment["SMOLHOG_CONFIG"] ?? "pipeline.yaml"
        do {
            let graph = try Daemon.checkedGraph(configFile: path)
            FileHandle.standardOutput.write(Data((graph.summary + "\n").utf8))
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
