// The HTTP layer's own error answers (400, 408, 413, 431, 503), written by the connection's
// channel handlers rather than by a route: the API's error shape `{"code","message"}`, then
// the connection is closed.

import HTTPTypes
import NIOCore
import NIOHTTPTypes
import PipelineKit

/// An error answer a channel handler writes in place of a route's, always the connection's
/// last: `Connection: close`, a JSON body, then the connection is closed.
struct ConnectionErrorResponse {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]
    /// How long the connection still discards what its client sends after the answer, before
    /// it is closed: closing a socket with unread bytes resets it, and a reset can destroy the
    /// answer before the client has read it. Short for a connection refused at the cap: there
    /// every descriptor it holds is one the daemon lacks.
    var linger = TimeAmount.seconds(1)

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// Writes the answer from `context` towards the HTTP encoder, then closes the connection's
    /// output (the client reads the answer and an end of stream) and, `linger` later, the
    /// connection. Runs on the channel's event loop; the caller drops what arrives meanwhile.
    func send(on context: ChannelHandlerContext) {
        var writer = JSONWriter(capacity: 256)
        writer.write(object: ["code": .string(code), "message": .string(message)])
        let body = ByteBuffer(bytes: writer.bytes)
        var fields: HTTPFields = [
            .contentType: "application/json; charset=utf-8", .contentLength: "\(body.readableBytes)", .connection: "close",
        ]
        fields.append(contentsOf: headers)
        context.write(NIOAny(HTTPResponsePart.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(NIOAny(HTTPResponsePart.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: written)
        let loop = context.eventLoop.assumeIsolated()
        written.futureResult.assumeIsolated().whenComplete { result in
            guard case .success = result else { return context.close(promise: nil) }
            let outputClosed = context.eventLoop.makePromise(of: Void.self)
            context.close(mode: .output, promise: outputClosed)
            outputClosed.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
            loop.scheduleTask(in: linger) { context.close(promise: nil) }
        }
    }
}
