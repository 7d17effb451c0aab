// JSON answers for requests the HTTP parser refuses (a malformed request line, header or
// chunked encoding; headers over the size limit): 400 or 431 with the API's error body
// instead of the server framework's empty 400.

import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Turns an `HTTPParserError` from the codec into a JSON error answer and closes the
/// connection. The error still travels on, so a request being read ends with it; the
/// framework's own (empty) 400 that follows is dropped here. While a route's response is
/// being written no answer can be added: the connection just closes.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false
    private var responseStarted = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !answered, let error = error as? HTTPParserError {
            answered = true
            if responseStarted {
                context.close(promise: nil)
            } else {
                Self.answer(for: error).send(on: context)
            }
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !answered else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let response) where response.status.kind != .informational: responseStarted = true
        case .end: responseStarted = false
        default: break
        }
        context.write(data, promise: promise)
    }

    /// The answer for a parser error: what was wrong, and what HTTP/1.1 expects there.
    static func answer(for error: HTTPParserError) -> ConnectionErrorResponse {
        let expected = "expected 'METHOD /path HTTP/1.1', then 'Name: value' header lines, then an empty line"
        switch error {
        case .headerOverflow:
            return ConnectionErrorResponse(
                .init(code: 431), "headers_too_large",
                "the request's headers are larger than the server accepts (80 KiB, 1000 fields); expected smaller headers")
        case .invalidMethod:
            return ConnectionErrorResponse(.badRequest, "malformed_request", "the request line's method is not valid; \(expected)")
        case .invalidURL:
            return ConnectionErrorResponse(.badRequest, "malformed_request", "the request line's target is not a valid path; \(expected)")
        case .invalidVersion:
            return ConnectionErrorResponse(.badRequest, "malformed_request", "the request line's HTTP version is not valid; \(expected)")
        case .invalidHeaderToken, .invalidCharactersUsed, .lfExpected:
            return ConnectionErrorResponse(.badRequest, "malformed_request", "a header line is not valid (\(error)); \(expected)")
        case .invalidContentLength, .unexpectedContentLength:
            return ConnectionErrorResponse(
                .badRequest, "malformed_request",
                "the Content-Length header is not valid (\(error)); expected one non-negative integer, and no Transfer-Encoding with it")
        case .invalidChunkSize:
            return ConnectionErrorResponse(
                .badRequest, "malformed_request", "the chunked body is not valid (\(error)); expected hexadecimal chunk sizes, each followed by CRLF")
        default:
            return ConnectionErrorResponse(.badRequest, "malformed_request", "the request is not valid HTTP/1.1 (\(error)); \(expected)")
        }
    }
}
