// How the HTTP server treats connections, from `server:`: the channel handlers each
// connection gets, the listener's accept back-off, the connection cap and the bounded stop.
//
//   socket ─▶ HTTP/1.1 codec ─▶ ConnectionLimitHandler ─▶ MalformedRequestHandler
//          ─▶ ExpectContinueHandler ─▶ RequestTimeoutHandler ─▶ (idle timeout) ─▶ routes
//
// Every handler above works on whole HTTP parts; a request that arrives in one read passes
// each with a switch and no clock read or timer.

import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PipelineKit
import ServiceLifecycle

struct ConnectionPolicy {
    let settings: ServerSettings
    let connections: OpenConnections
    let logger: Logger

    /// Raises the file limit and sizes the connection cap (`server.max_connections`, or what
    /// the file limit leaves), and logs what was chosen.
    init(settings: ServerSettings, logger: Logger) {
        let files = FileLimit.raise()
        // Never more connections than the file limit leaves: at the limit a process cannot
        // open anything (libdispatch's thread monitor, a store file), and libdispatch traps
        // when it cannot read /proc, so a configured cap above it is lowered, with a warning.
        let limit = min(settings.maxConnections ?? files.defaultMaxConnections, files.defaultMaxConnections)
        if let configured = settings.maxConnections, configured > limit {
            logger.warning(
                "server.max_connections is above what the file limit leaves; using the lower figure.",
                metadata: [
                    "configured": "\(configured)", "max_connections": "\(limit)", "file_limit": "\(files.current)", "reserve": "\(files.reserve)",
                    "hint": "raise the file limit (ulimit -n, LimitNOFILE)",
                ])
        }
        logger.info(
            "Connection limits.",
            metadata: [
                "max_connections": "\(limit)", "from": "\(settings.maxConnections == nil ? "file limit" : "server.max_connections")",
                "file_limit": "\(files.current)", "file_limit_at_start": "\(files.initial)",
            ])
        self.settings = settings
        self.connections = OpenConnections(limit: limit, refusing: max(1, min(files.reserve / 4, 64)))
        self.logger = logger
    }

    /// HTTP/1.1 with the idle timeout and the handlers above on every connection.
    var http1: HTTPServerBuilder {
        let settings = settings
        let connections = connections
        let logger = logger
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ConnectionLimitHandler(connections: connections, logger: logger),
                    MalformedRequestHandler(),
                    ExpectContinueHandler(maxBodyBytes: settings.maxBodyBytes),
                    RequestTimeoutHandler(
                        headerTimeout: Self.amount(settings.headerTimeoutSeconds), bodyTimeout: Self.amount(settings.bodyTimeoutSeconds), logger: logger),
                ],
                idleTimeout: Self.amount(settings.idleTimeoutSeconds)))
    }

    /// Puts the growing accept back-off first on the listening channel (once it listens).
    func listening(_ channel: any Channel) async {
        let logger = logger
        let connections = connections
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(GrowingAcceptBackoffHandler(logger: logger, connections: connections), position: .first)
            }.get()
        } catch {
            logger.warning("Could not install the accept back-off; SwiftNIO's fixed one-second pause applies.", metadata: ["error": "\(error)"])
        }
    }

    /// `server` stopped within `server.shutdown_timeout_s` of a graceful shutdown.
    func bounded(_ server: some Service) -> some Service {
        BoundedShutdown(
            server: server, connections: connections, timeout: .nanoseconds(Int64(settings.shutdownTimeoutSeconds * 1_000_000_000)), logger: logger)
    }

    static func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1_000_000_000)) }
}
