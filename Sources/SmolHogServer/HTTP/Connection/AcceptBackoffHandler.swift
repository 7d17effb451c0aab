// Back-off when accepting a connection fails (EMFILE/ENFILE at the file limit, ENOBUFS,
// ENOMEM): the listener pauses accepting, 5 ms at first and twice as long after each failure
// in a row up to 1 s, instead of retrying at once and spinning; failures are logged at most
// every 10 s.

import Logging
import Metrics
import NIOCore

/// First handler of the listening channel's pipeline (installed by `ConnectionPolicy` once the
/// server listens). It sees accept errors before SwiftNIO's own fixed one-second back-off and
/// does not pass them on; an accepted connection resets the pause. Runs on the listener's
/// event loop only.
final class GrowingAcceptBackoffHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = any Channel
    typealias OutboundOut = any Channel

    static let firstPause = TimeAmount.milliseconds(5)
    static let longestPause = TimeAmount.seconds(1)
    static let logInterval = TimeAmount.seconds(10)

    private let logger: Logger
    /// The open connections; at their ceiling the listener stops accepting until one closes.
    private let connections: OpenConnections
    /// How often a full listener looks again.
    static let fullRecheck = TimeAmount.milliseconds(10)
    private var pause = TimeAmount.zero
    private var resumeAt: NIODeadline?
    private var scheduledRead: Scheduled<Void>?
    private var failuresSinceLog = 0
    private var lastLog: NIODeadline?

    init(logger: Logger, connections: OpenConnections) {
        self.logger = logger
        self.connections = connections
    }

    func read(context: ChannelHandlerContext) {
        guard scheduledRead == nil else { return }
        if connections.isAtCeiling {
            // Connections wait in the kernel's backlog rather than take the last descriptors.
            scheduledRead = context.eventLoop.assumeIsolated().scheduleTask(in: Self.fullRecheck) {
                self.scheduledRead = nil
                self.read(context: context)
            }
            return
        }
        guard let resumeAt, resumeAt > .now() else {
            context.read()
            return
        }
        scheduledRead = context.eventLoop.assumeIsolated().scheduleTask(deadline: resumeAt) {
            self.scheduledRead = nil
            self.resumeAt = nil
            context.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connections.accepted(unwrapInboundIn(data))
        pause = .zero
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError else { return context.fireErrorCaught(error) }
        pause = pause == .zero ? Self.firstPause : min(pause * 2, Self.longestPause)
        resumeAt = .now() + pause
        Counter(label: "smolhog_http_accept_errors_total").increment()
        failuresSinceLog += 1
        let now = NIODeadline.now()
        if lastLog.map({ now - $0 >= Self.logInterval }) ?? true {
            logger.warning(
                "Accepting connections failed; pausing accepts.",
                metadata: [
                    "error": "\(error)", "failures": "\(failuresSinceLog)", "pause_ms": "\(pause.nanoseconds / 1_000_000)",
                    "hint": "raise the file limit (ulimit -n, LimitNOFILE) or lower server.max_connections",
                ])
            lastLog = now
            failuresSinceLog = 0
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        scheduledRead?.cancel()
        scheduledRead = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let scheduled = scheduledRead {
            scheduled.cancel()
            scheduledRead = nil
            context.read()
        }
    }
}
