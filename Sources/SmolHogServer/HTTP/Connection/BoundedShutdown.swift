// The bounded graceful stop (`server.shutdown_timeout_s`): after SIGTERM or SIGINT the HTTP
// server stops accepting and lets requests in progress finish, but only for so long; then it
// closes their connections, so one stuck client cannot keep the process from exiting.

import Logging
import ServiceLifecycle

/// Runs the HTTP server; once graceful shutdown starts, waits `timeout` for the server to
/// finish on its own, then closes every connection still open. Ends when the server ends.
struct BoundedShutdown<Server: Service>: Service {
    let server: Server
    let connections: OpenConnections
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await server.run()
                return true
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: timeout)
                } catch {
                    return false  // the server ended first
                }
                let closed = connections.closeAll()
                if closed > 0 {
                    logger.warning(
                        "Requests did not finish within the shutdown timeout; closing their connections.",
                        metadata: ["connections": "\(closed)", "shutdown_timeout_s": "\(timeout)"])
                }
                return false
            }
            while let serverEnded = try await group.next() {
                if serverEnded {
                    group.cancelAll()
                    return
                }
            }
        }
    }
}
