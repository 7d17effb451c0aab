// A raw HTTP/1.1 client connection for tests that must control every byte and their timing:
// heads sent in pieces, bodies left short, many sockets held open.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection to a test daemon, read without blocking a thread: every read polls the
/// socket until its condition holds or its deadline passes.
final class RawHTTPConnection {
    let socket: Int32
    private(set) var received = Data()
    private(set) var closedByPeer = false

    init(port: Int) throws {
        socket = try IdleConnectionTests.connect(port: port)
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send failed: errno \(errno)") }
            sent += n
        }
    }

    /// Reads what has arrived; false once the peer has closed (or reset) the connection.
    @discardableResult
    func drain() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closedByPeer {
            let n = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                received.append(contentsOf: buffer[..<n])
            } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                closedByPeer = true
            } else {
                break
            }
        }
        return !closedByPeer
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// Waits until `condition` holds on what was received (or the peer closed); true if it held.
    func wait(timeout: Duration, until condition: (RawHTTPConnection) -> Bool) async throws -> Bool {
        try await waitFor(timeout: timeout) {
            drain()
            return condition(self) || closedByPeer
        } && condition(self)
    }

    /// Waits until the peer closes the connection; true if it did within `timeout`.
    func waitForClose(timeout: Duration) async throws -> Bool {
        try await wait(timeout: timeout) { $0.closedByPeer }
    }

    /// The first complete response received: status, headers (lower-cased names), body
    /// (by Content-Length).
    var response: (status: Int, headers: [String: String], body: Data)? { Self.responses(in: received).first }

    static func responses(in data: Data) -> [(status: Int, headers: [String: String], body: Data)] {
        var rest = data[...]
        var found: [(Int, [String: String], Data)] = []
        let separator = Data("\r\n\r\n".utf8)
        while let end = rest.range(of: separator) {
            let lines = String(decoding: rest[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { break }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyStart = end.upperBound
            guard rest.distance(from: bodyStart, to: rest.endIndex) >= length else { break }
            let bodyEnd = rest.index(bodyStart, offsetBy: length)
            found.append((status, headers, Data(rest[bodyStart..<bodyEnd])))
            rest = rest[bodyEnd...]
        }
        return found
    }

    /// The JSON object of the first response's body.
    var json: [String: Any] { response.flatMap { (try? JSONSerialization.jsonObject(with: $0.body)) as? [String: Any] } ?? [:] }
}
