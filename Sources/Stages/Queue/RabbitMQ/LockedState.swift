// LockedState and WakePipe: the two synchronization primitives the RabbitMQ driver shares
// between its connection threads and Swift tasks. Owns nothing AMQP-specific.

import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value guarded by a lock, shared by a connection thread and Swift tasks; the only way in
/// is `withLock`. A class around `Mutex`, so that both sides hold the same one.
final class LockedState<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result: Sendable, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        try mutex.withLock { value throws(E) in try body(&value) }
    }
}

/// A non-blocking pipe that lets any thread wake a connection thread out of `poll`.
///
/// Both ends are closed together by `close()`; `wake()` after that is a no-op.
final class WakePipe: @unchecked Sendable {
    // @unchecked: the descriptors are read under `state`'s lock (wake/close), and the read
    // end is drained only by the owning thread before `close()`.
    private let state: LockedState<(read: Int32, write: Int32, signalled: Bool)?>

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw AMQPError("cannot create the wake pipe: errno \(errno)") }
        for fd in fds {
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        }
        state = LockedState((fds[0], fds[1], false))
    }

    /// The descriptor to poll for readability.
    var readDescriptor: Int32 { state.withLock { $0?.read ?? -1 } }

    /// Makes the next (or current) `poll` on `readDescriptor` return.
    func wake() {
        state.withLock { pipe in
            guard let current = pipe, !current.signalled else { return }
            var byte: UInt8 = 1
            _ = write(current.write, &byte, 1)
            pipe?.signalled = true
        }
    }

    /// Empties the pipe after `poll` reported it readable.
    func drain() {
        state.withLock { pipe in
            guard let current = pipe else { return }
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(current.read, &buffer, buffer.count) > 0 {}
            pipe?.signalled = false
        }
    }

    func close() {
        state.withLock { pipe in
            guard let current = pipe else { return }
            closeDescriptor(current.read)
            closeDescriptor(current.write)
            pipe = nil
        }
    }
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
        _ = Glibc.close(fd)
    #elseif canImport(Darwin)
        _ = Darwin.close(fd)
    #endif
}
