// The connection cap (`server.max_connections`): each new connection is admitted into
// `OpenConnections` or, when the server is full, answered 503 with Retry-After and closed
// without any of its requests being read.

import HTTPTypes
import Logging
import Metrics
import NIOCore
import NIOHTTPTypes

/// First handler after the HTTP codec. Decides once, when the channel is active: admitted
/// connections pass through untouched; a refused one gets its 503 and nothing it sends
/// travels further. An admitted connection is released when its pipeline is torn down.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let connections: OpenConnections
    private let logger: Logger
    private var decided = false
    private var admitted = false

    init(connections: OpenConnections, logger: Logger) {
        self.connections = connections
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { decide(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        decide(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if admitted {
            admitted = false
            connections.release(context.channel)
        }

    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted else { return }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard admitted else { return }
        context.fireErrorCaught(error)
    }

    private func decide(_ context: ChannelHandlerContext) {
        guard !decided else { return }
        decided = true
        admitted = connections.admit(context.channel)
        guard !admitted else { return }
        Counter(label: "smolhog_http_refused_connections_total").increment()
        logger.debug("Connection refused: the server is at its connection limit.", metadata: ["max_connections": "\(connections.limit)"])
        var answer = ConnectionErrorResponse(
            .serviceUnavailable, "too_many_connections",
            "the server already holds \(connections.limit) open connections, its limit (server.max_connections); retry later, or close idle connections",
            headers: [.retryAfter: "1"])
        answer.linger = .milliseconds(50)
        answer.send(on: context)
    }
}
