// AMQPLink: one broker connection on its own thread. Owns the link's shared state: the
// mailbox async callers post to, the status, and the socket the watchdog may shut down.
// The thread's loop is in AMQPLink+Loop.swift.
//
// Why a thread: rabbitmq-c (librabbitmq 0.11, Debian's librabbitmq-dev) is a blocking C API,
// and a connection must not be used from two threads at once (its documentation says so; it
// is the library's design, not a bug, so there is nothing to remove later). Each connection
// gets its own thread, started from the owning `Service.run` (RabbitMQQueue.run) or a
// consumer the worker loop opens, never at build time; async callers post to its mailbox.

import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a link's connection stands.
enum LinkStatus: Sendable, Equatable {
    /// The first connection attempt is running; commands wait for its outcome.
    case connecting
    case up
    /// The last attempt failed; commands fail at once until a reconnect succeeds.
    case down(String)
    case closed
}

/// Timings of a link (from the queue config).
struct LinkTimings: Sendable {
    var connectTimeout: Duration
    var confirmTimeout: Duration
    var heartbeatSeconds: Int
    var initialBackoff: Duration
    var maxBackoff: Duration
    /// How long the loop sleeps in `poll`; well below the heartbeat so heartbeats are served.
    var pollInterval: Duration = .milliseconds(100)
}

/// Runs a role's connection on a dedicated `Thread` (rabbitmq-c blocks and is not
/// thread-safe; the cooperative pool must never block on it). Callers `send` commands; the
/// thread performs them in order between reads of the socket.
final class AMQPLink<Role: AMQPLinkRole>: Sendable {
    enum Message: Sendable {
        case command(Role.Command)
        case close(CheckedContinuation<Void, Never>)
    }

    struct Shared {
        var messages: [Message] = []
        var status: LinkStatus = .connecting
        var finished = false
        /// The open connection's socket, for the watchdog's `shutdown`; nil while none.
        var descriptor: Int32?
        /// When the thread entered a call that may block (publish, ack); nil while polling.
        var busySince: ContinuousClock.Instant?
        var watchdog: Task<Void, Never>?
    }

    let name: String
    let endpoint: AMQPEndpoint
    let timings: LinkTimings
    let logger: Logger
    let trackers: [ConfirmTracker]
    let makeRole: @Sendable () -> Role
    let shared = LockedState(Shared())
    let wake: WakePipe

    init(
        name: String, endpoint: AMQPEndpoint, timings: LinkTimings, logger: Logger, trackers: [ConfirmTracker],
        makeRole: @escaping @Sendable () -> Role
    ) throws {
        self.name = name
        self.endpoint = endpoint
        self.timings = timings
        self.logger = logger
        self.trackers = trackers
        self.makeRole = makeRole
        self.wake = try WakePipe()
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "smolhog-amqp-\(name)"
        thread.start()
        let watchdog = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                watchdogTick()
            }
        }
        shared.withLock { $0.watchdog = watchdog }
    }

    var status: LinkStatus { shared.withLock { $0.status } }

    /// Posts a command; false when the link is closed (the command was not taken).
    func send(_ command: Role.Command) -> Bool {
        let taken = shared.withLock { shared in
            guard !shared.finished, shared.status != .closed else { return false }
            shared.messages.append(.command(command))
            return true
        }
        if taken { wake.wake() }
        return taken
    }

    /// Closes the connection once the role has settled (or the confirm timeout passed).
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let taken = shared.withLock { shared in
                guard !shared.finished else { return false }
                shared.messages.append(.close(continuation))
                return true
            }
            if taken { wake.wake() } else { continuation.resume() }
        }
    }

    func takeMessages() -> [Message] {
        shared.withLock { shared in
            let messages = shared.messages
            shared.messages = []
            return messages
        }
    }

    func putBack(_ messages: ArraySlice<Message>) {
        guard !messages.isEmpty else { return }
        shared.withLock { $0.messages.insert(contentsOf: messages, at: 0) }
    }

    /// Breaks the open connection from any thread (`shutdown` on its socket): the thread's
    /// next or current call fails and it reconnects. False when no connection is open.
    @discardableResult
    func dropConnection() -> Bool {
        shared.withLock { shared in
            // Under the lock: the thread clears `descriptor` under the same lock before it closes the socket.
            guard let descriptor = shared.descriptor else { return false }
            shutdown(descriptor, Int32(SHUT_RDWR))
            shared.descriptor = nil
            return true
        }
    }
}
