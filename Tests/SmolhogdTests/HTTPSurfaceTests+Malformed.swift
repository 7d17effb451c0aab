import Foundation
import Testing

/// Requests the HTTP parser refuses get the API's JSON error shape, not an empty 400.
extension HTTPSurfaceTests {
    @Test(arguments: ["GET /healthz HTTP/9.9\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n", "GE T / HTTP/1.1\r\n\r\n"])
    func aMalformedRequestGetsAJSON400(request: String) async throws {
        let daemon = try HTTPSurfaceTests.daemon
        let client = try RawHTTPConnection(port: daemon.port)
        try client.send(request)
        #expect(try await client.waitForClose(timeout: .seconds(10)), "\(client.text)")
        #expect(client.response?.status == 400, "\(client.text)")
        #expect(client.response?.headers["content-type"]?.hasPrefix("application/json") == true, "\(client.text)")
        #expect(client.response?.headers["connection"] == "close")
        #expect(client.json["code"] as? String == "malformed_request", "\(client.text)")
        #expect((client.json["message"] as? String)?.contains("expected") == true)
    }
}
