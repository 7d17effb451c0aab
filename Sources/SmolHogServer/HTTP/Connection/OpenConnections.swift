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
final class OpenConnections: Sendable {
    /// Connections admitted at most (`server.max_connections`, or the file limit's share).
    let limit: Int
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let gauge = Gauge(label: "smolhog_http_open_connections")

    init(limit: Int) {
        self.limit = limit
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
