// AMQPLinkRole: what a connection thread does with its connection (publish, or consume),
// separated from how the thread connects, waits and reconnects (AMQPLink).

#if compiler(>=6.2)
    /// A role type may be named from any thread (the link's closures capture it); its
    /// instances may not.
    protocol AMQPLinkRoleBase: AnyObject, SendableMetatype {}
#else
    protocol AMQPLinkRoleBase: AnyObject {}
#endif

/// The role-specific half of a connection thread. An instance is created on the link's
/// thread and used only there, so it may hold the connection's non-Sendable state.
protocol AMQPLinkRole: AMQPLinkRoleBase {
    associatedtype Command: Sendable

    /// After every (re)connect: opens channels, declares queues, enables confirms, consumes.
    /// `generation` counts connections; delivery tags of older generations are void.
    func setUp(_ session: AMQPSession, generation: UInt32) throws

    /// A request from the mailbox. `session` is nil while the broker is unreachable: the
    /// command must then fail (or be dropped when dropping is harmless) at once.
    func perform(_ command: Command, session: AMQPSession?) throws

    /// A frame read from the connection.
    func handle(_ frame: AMQPFrame, session: AMQPSession) throws

    /// The connection broke: fail everything that waited for this connection.
    func connectionLost(_ error: AMQPError)

    /// A graceful close was asked for: stop taking new work (e.g. cancel the consumer).
    func beginClose(_ session: AMQPSession)

    /// Nothing awaits the broker any more, so the connection may close now.
    var isSettled: Bool { get }
}
