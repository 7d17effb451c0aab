import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A connection that sends nothing is closed after `server.idle_timeout_s`, so silent clients
/// cannot hold the daemon's connections (and file descriptors) forever.
@Suite struct IdleConnectionTests {
    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try CommandTests.write(
            CommandTests.embeddedConfig().replacingOccurrences(
                of: #"server: {listen: "127.0.0.1:0"}"#, with: #"server: {listen: "127.0.0.1:0", idle_timeout_s: 1}"#),
            to: dir + "/pipeline.yaml")
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        let socket = try Self.connect(port: daemon.port)
        defer { close(socket) }
        let opened = ContinuousClock.now
        var closed = false
        while !closed && ContinuousClock.now - opened < .seconds(20) {
            var byte: UInt8 = 0
            let read = recv(socket, &byte, 1, Int32(MSG_DONTWAIT))
            if read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { closed = true } else { try await Task.sleep(for: .milliseconds(50)) }
        }
        let waited = ContinuousClock.now - opened
        #expect(closed, "the daemon kept a silent connection for \(waited)")
        #expect(waited >= .milliseconds(900), "closed after \(waited), before the idle timeout")
        // The daemon still serves new connections.
        #expect(try await daemon.json("GET", "/healthz").status == 200)
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw TestFailure("connect to 127.0.0.1:\(port) failed: \(errno)")
        }
        return fd
    }
}
