// `smolhogd migrate`: bring the configured store's schema up to date. Safe to run from
// several nodes at once (PostgreSQL takes an advisory lock); refuses a database newer than
// this binary.

import ArgumentParser
import Foundation
import PipelineKit

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending store migrations (migrations/*.sql, embedded in the binary).")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        let (logger, _) = try options.bootstrap()
        do {
            let graph = try Daemon.checkedGraph(configFile: options.configFile)
            guard let store = graph.storeDriver else {
                throw DaemonError("\(options.configFile) has no persist stage; nothing to migrate")
            }
            let context = BuildContext(baseDirectory: graph.directory, logger: logger, role: .worker)
            let outcome = try await store.migrate(context: context)
            FileHandle.standardOutput.write(Data((outcome + "\n").utf8))
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("migrate failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
