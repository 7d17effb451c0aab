// PeerRequestContext: the request context of every route, which remembers the TCP peer's
// address (the client, or the proxy in front of it) for the ingest context's client IP.

import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the connection's peer address.
struct PeerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection's peer; its text is made only when a route asks (`peer`).
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address (`203.0.113.9`, `::1`), or nil when the channel has none.
    var peer: String? { remoteAddress?.ipAddress }
}
