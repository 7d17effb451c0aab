// JSON answers and the error shape every endpoint shares: `{"code","message"}`.

import Hummingbird
import NIOCore
import PipelineKit

/// An error an endpoint answers with: HTTP status, a stable code and a sentence that says
/// what was wrong and what is expected.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status, ["code": .string(code), "message": .string(message)])
        for field in headers { response.headers.append(field) }
        return response
    }
}

enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ body: JSONObject) -> Response {
        var writer = JSONWriter(capacity: 256)
        writer.write(object: body)
        return make(status, bytes: writer.bytes)
    }

    static func make(_ status: HTTPResponse.Status, bytes: [UInt8]) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension PipelineError {
    /// How a batch-level failure reaches an HTTP client.
    var apiError: APIError {
        switch code {
        case .batchTooLarge: APIError(.contentTooLarge, code.rawValue, message)
        case .queueUnavailable, .storeUnavailable: APIError(.serviceUnavailable, code.rawValue, message, headers: [.retryAfter: "1"])
        }
    }
}

extension JSONValue {
    init(_ value: Int) { self = .number(JSONNumber(value)) }
    init(_ value: Int64) { self = .number(JSONNumber(value)) }
    init(_ text: String?) { self = text.map { .string($0) } ?? .null }
}
