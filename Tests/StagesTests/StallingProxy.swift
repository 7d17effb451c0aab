// StallingProxy: a loopback TCP proxy in front of the test PostgreSQL server that plays a
// network which stops carrying bytes. The first connection whose client sends more than
// `stallAfter` bytes gets no more of them read: the client's sends back up, as they do when the
// path to the server goes quiet. Every other connection, before and after, passes everything.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

final class StallingProxy: @unchecked Sendable {
    struct SocketFailed: Error, CustomStringConvertible { var description: String }

    let port: UInt16
    private let listener: Int32
    private let target: UInt16
    private let stallAfter: Int
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var sockets: [Int32] = []
    private var stalled = false
    private var stalledPair: [Int32] = []
    private var closed = false

    init(to target: UInt16, stallAfter: Int) throws {
        self.target = target
        self.stallAfter = stallAfter
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw SocketFailed(description: "proxy listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// True once the first connection has stopped carrying the client's bytes.
    var hasStalled: Bool { condition.withLock { stalled } }

    /// Ends the stalled connection, as a network path that comes back reset would.
    func cutStalledConnection() {
        let pair = condition.withLock { stalledPair }
        for fd in pair { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Ends every connection and the listener.
    func close() {
        let open = condition.withLock {
            closed = true
            condition.broadcast()
            return sockets
        }
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: target)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let open = condition.withLock {
                guard !closed else { return false }
                sockets += [client, upstream]
                return true
            }
            guard open, connected == 0 else {
                Glibc.close(client)
                Glibc.close(upstream)
                continue
            }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream, limit: stallAfter) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client, limit: nil) }
        }
    }

    /// Copies bytes until either side ends. With a limit, the first pump to reach it stops
    /// reading there and waits for `close()`; the others go on.
    private func pump(from source: Int32, to sink: Int32, limit: Int?) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var forwarded = 0
        var limit = limit
        while true {
            let room = limit.map { min(buffer.count, $0 - forwarded) } ?? buffer.count
            if room == 0 {
                let stopHere = condition.withLock {
                    guard !stalled else { return false }
                    stalled = true
                    stalledPair = [source, sink]
                    while !closed { condition.wait() }
                    return true
                }
                if stopHere { return }
                limit = nil
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, room) }
            guard count > 0 else { break }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { write(sink, $0.baseAddress.map { $0 + sent }, count - sent) }
                guard written > 0 else { break }
                sent += written
            }
            forwarded += count
        }
        shutdown(sink, Int32(SHUT_WR))
    }
}
