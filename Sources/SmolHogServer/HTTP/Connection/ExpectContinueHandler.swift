// `Expect: 100-continue`: the client waits for `100 Continue` before sending its body. It gets
// it as soon as the head is read, or, when its Content-Length is over `server.max_body_bytes`,
// a 413 instead, so the body is never sent.

import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers a head that expects `100-continue`; other requests pass through untouched. A
/// refused request's head never reaches the request handler, and the connection closes.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let maxBodyBytes: Int
    private var refused = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if case .head(let request) = unwrapInboundIn(data), let expect = request.headerFields[.expect],
            expect.lowercased() == "100-continue"
        {
            if let length = request.headerFields[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
                refused = true
                ConnectionErrorResponse(
                    .contentTooLarge, "body_too_large",
                    "request body is larger than \(maxBodyBytes) bytes (server.max_body_bytes): Content-Length is \(length); expected at most \(maxBodyBytes)"
                ).send(on: context)
                return
            }
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}
