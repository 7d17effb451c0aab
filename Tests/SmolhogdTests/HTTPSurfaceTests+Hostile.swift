import Foundation
import Testing

/// What an internet-facing endpoint owes a client that sends the unexpected: a JSON answer
/// naming the rule, at a cost bounded by the limits.
extension HTTPSurfaceTests {
    @Test func wrongMethodsAnswer405WithAllowAndUnknownPaths404WithABody() async throws {
        let daemon = try Self.daemon
        let get = try await daemon.request("GET", "/events")
        #expect(get.status == 405)
        #expect(get.header("Allow") == "OPTIONS, POST")
        #expect(get.json["code"] as? String == "method_not_allowed")
        #expect((get.json["message"] as? String)?.contains("POST") == true)
        let delete = try await daemon.request("DELETE", "/analytics/stats")
        #expect(delete.status == 405)
        #expect(delete.header("Allow") == "GET, HEAD")
        let unknown = try await daemon.request("GET", "/no/such/route")
        #expect(unknown.status == 404)
        #expect(unknown.json["code"] as? String == "not_found")
        #expect((unknown.json["message"] as? String)?.contains("/analytics/events") == true)
    }

    /// `{"events":[0,0,0,…]}`: the parser stops at the item past `max_batch` (200 here), so
    /// the answer is one 413, not a rejection per item.
    @Test func aBodyOfManyItemsIsRefusedAtTheBatchLimitNotItemByItem() async throws {
        let daemon = try Self.daemon
        let body = "{\"events\":[" + Array(repeating: "0", count: 30_000).joined(separator: ",") + "]}"
        let answer = try await daemon.request("POST", "/events", body: Data(body.utf8))
        #expect(answer.status == 413)
        #expect(answer.json["code"] as? String == "batch_too_large")
        #expect(answer.body.count < 1024, "one error, not 30,000 rejections: \(answer.body.count) bytes")
        // Items past the limit are never read: a body malformed after them is still a 413.
        let broken = "{\"events\":[" + Array(repeating: "0", count: 250).joined(separator: ",") + ",nonsense"
        #expect(try await daemon.request("POST", "/events", body: Data(broken.utf8)).status == 413)
    }
}

extension HTTPSurfaceTests {
    /// A gzip or zlib body must be exactly one complete stream: cut short, or with bytes after
    /// its end, it is refused rather than taken as far as it goes.
    @Test(arguments: ["gzip", "deflate"]) func aTruncatedOrTrailedCompressedBodyIsRefused(encoding: String) async throws {
        let daemon = try Self.daemon
        let body = Data(#"{"events":[{"event_id":"z-1","event_name":"surface.zip","user_id":"u","timestamp":"2024-02-01T10:00:00Z"}]}"#.utf8)
        let compressed = try await Self.compress(body, encoding == "gzip" ? "gzip" : "zlib")
        let whole = try await daemon.request("POST", "/events", body: compressed, headers: ["Content-Encoding": encoding])
        #expect(whole.status == 200, "\(whole.text)")
        let truncated = try await daemon.request("POST", "/events", body: compressed.dropLast(6), headers: ["Content-Encoding": encoding])
        #expect(truncated.status == 400, "\(truncated.text)")
        #expect(truncated.json["code"] as? String == "malformed_body")
        let trailed = try await daemon.request("POST", "/events", body: compressed + Data("junk after".utf8), headers: ["Content-Encoding": encoding])
        #expect(trailed.status == 400, "\(trailed.text)")
        // Just past server.max_body_bytes (65536) once inflated: the limit is exact.
        let over = Data(("{\"events\":[" + String(repeating: " ", count: 65_536) + "]}").utf8)
        let answer = try await daemon.request(
            "POST", "/events", body: try await Self.compress(over, encoding == "gzip" ? "gzip" : "zlib"), headers: ["Content-Encoding": encoding])
        #expect(answer.status == 413, "\(answer.text)")
    }
}
