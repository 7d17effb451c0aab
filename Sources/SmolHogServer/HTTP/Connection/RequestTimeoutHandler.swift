// The header and body timeouts (`server.header_timeout_s`, `server.body_timeout_s`): a client
// that trickles a request's head, or stops sending a body it has announced, gets 408 and its
// connection is closed, and the request's handler sees its body end with an error.

import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// The error a request's body read ends with when its client stopped sending it.
struct RequestBodyTimeoutError: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "no byte of the request body arrived for \(seconds) s (server.body_timeout_s)" }
}

/// Watches reads between the HTTP codec and the request handler.
///
/// A read (`channelReadComplete`) that yields no HTTP part while no request is being read
/// carries the first bytes of a head: the header clock starts. A read while a body is
/// incomplete is progress: the body clock restarts. A request whose head, body and end
/// arrive in one read schedules nothing and reads no clock. One timer at a time, which
/// re-checks the state when it fires, so progress never cancels or reschedules it.
///
/// Bytes of a next request that arrive in the same read as the previous request's end are not
/// seen as a head's start; `server.idle_timeout_s` bounds those.
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// No request being read.
        case idle
        /// A head's first bytes arrived at `since`; the head itself has not.
        case head(since: NIODeadline)
        /// A head arrived, its end has not; the last body bytes arrived at `lastProgress`
        /// (nil until a read ends with the body incomplete).
        case body(lastProgress: NIODeadline?)
        /// A timeout answered; the connection is closing.
        case closing
    }

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let logger: Logger
    private var state = State.idle
    private var partsInThisRead = false
    /// Requests whose response has not ended (more than one when requests are pipelined).
    private var responsesPending = 0
    /// The response being written has sent its head.
    private var responseStarted = false
    private var timer: Scheduled<Void>?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount, logger: Logger) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.logger = logger
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closing = state { return }
        partsInThisRead = true
        switch unwrapInboundIn(data) {
        case .head:
            state = .body(lastProgress: nil)
            responsesPending += 1
        case .body: break
        case .end: state = .idle
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch state {
        case .idle where !partsInThisRead:
            let now = NIODeadline.now()
            state = .head(since: now)
            arm(context, at: now + headerTimeout)
        case .body:
            let now = NIODeadline.now()
            state = .body(lastProgress: now)
            arm(context, at: now + bodyTimeout)
        default: break
        }
        partsInThisRead = false
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .closing = state {
            // The 408 was the connection's last answer.
            promise?.fail(ChannelError.outputClosed)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let response) where response.status.kind != .informational: responseStarted = true
        case .end:
            responsesPending = max(0, responsesPending - 1)
            responseStarted = false
        default: break
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        guard timer == nil else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.fire(context) }
    }

    private func fire(_ context: ChannelHandlerContext) {
        timer = nil
        let now = NIODeadline.now()
        switch state {
        case .head(let since):
            guard now >= since + headerTimeout else { return arm(context, at: since + headerTimeout) }
            state = .closing
            logger.debug("Request head timed out.", metadata: ["header_timeout_s": "\(headerTimeout.seconds)"])
            let answer = ConnectionErrorResponse(
                .requestTimeout, "request_head_timeout",
                "the request line and headers did not all arrive within \(headerTimeout.seconds) s of their first byte (server.header_timeout_s); expected the whole head, up to its empty line, at once"
            )
            // A response still being written for an earlier request cannot be interrupted.
            if responsesPending == 0 { answer.send(on: context) } else { context.close(promise: nil) }
        case .body(let lastProgress?):
            guard now >= lastProgress + bodyTimeout else { return arm(context, at: lastProgress + bodyTimeout) }
            state = .closing
            logger.debug("Request body timed out.", metadata: ["body_timeout_s": "\(bodyTimeout.seconds)"])
            // The request's handler is waiting for its body: end that wait with an error.
            context.fireErrorCaught(RequestBodyTimeoutError(seconds: bodyTimeout.seconds))
            let answer = ConnectionErrorResponse(
                .requestTimeout, "request_body_timeout",
                "no byte of the request body arrived for \(bodyTimeout.seconds) s (server.body_timeout_s) before it reached its Content-Length or its last chunk; expected the body to keep arriving"
            )
            if !responseStarted && responsesPending <= 1 { answer.send(on: context) } else { context.close(promise: nil) }
        case .idle, .body(nil), .closing: break
        }
    }
}

extension TimeAmount {
    /// The amount in seconds, as the config writes it.
    var seconds: Double { Double(nanoseconds) / 1_000_000_000 }
}
