// The HTTP connections the server holds open: admitted up to `server.max_connections`,
// forgotten when they close, and closed all at once when a graceful stop runs out of time.

import Metrics
import NIOCore
import Synchronization

/// The set of admitted connections, shared by every connection's `ConnectionLimitHandler`
/// (which admits and releases) and the bounded graceful stop (which closes what is left).
///
/// Invariant: `count <= limit`; a channel is in the set from its admission until its pipeline
/// is torn down. Called from any event loop; one lock, held for a dictionary update only.
///
/// Connections being refused (their 503 on its way) hold descriptors too: with them, at most
/// `ceiling` connections are open, and the listener stops accepting at it
/// (`GrowingAcceptBackoffHandler`), so the process never reaches its file limit, where it
/// could not open anything (libdispatch's thread monitor traps when it cannot read /proc).
final class OpenConnections: Sendable {
    /// Connections admitted at most (`server.max_connections`, or the file limit's share).
    let limit: Int
    /// Admitted and refusing connections at most; the listener pauses at it.
    let ceiling: Int
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let open = Atomic<Int>(0)
    private let gauge = Gauge(label: "smolhog_http_open_connections")

    /// `refusing`: how many connections beyond `limit` may be open while they get their 503.
    init(limit: Int, refusing: Int = 64) {
        self.limit = limit
        self.ceiling = limit + max(1, refusing)
    }

    /// Whether the listener should stop accepting: `ceiling` accepted connections are open.
    var isAtCeiling: Bool { open.load(ordering: .relaxed) >= ceiling }

    /// Counts a connection the listener accepted (admitted or not yet, or being refused)
    /// until it closes. Called on the listener's event loop as each one is accepted, before its
    /// own pipeline runs, so the count never lags behind the descriptors in use.
    func accepted(_ child: any Channel) {
        open.add(1, ordering: .relaxed)
        child.closeFuture.whenComplete { _ in self.open.subtract(1, ordering: .relaxed) }
    }

    /// Adds `channel` when fewer than `limit` are open; false when the server is full.
    func admit(_ channel: any Channel) -> Bool {
        let open = channels.withLock { channels -> Int? in
            guard channels.count < limit else { return nil }
            channels[ObjectIdentifier(channel)] = channel
            return channels.count
        }
        guard let open else { return false }
        gauge.record(open)
        return true
    }

    /// Forgets a closed `channel` (one admitted before).
    func release(_ channel: any Channel) {
        let open = channels.withLock { channels in
            channels[ObjectIdentifier(channel)] = nil
            return channels.count
        }
        gauge.record(open)
    }

    /// Closes every admitted connection (their requests end with a channel error); returns how
    /// many there were.
    func closeAll() -> Int {
        let open = channels.withLock { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
        return open.count
    }
}
