// DeadLetterReader: the capability of a store whose dead letters (what the worker gave up
// on, `EventStore.recordDeadLetter`) can be read back, for operators' tools and tests.

/// One dead letter a store keeps: what was given up on, where, why and when.
public struct DeadLetter: Sendable, Hashable {
    /// The store's id of the row, increasing in the order they were recorded.
    public var id: Int64
    /// Who gave up on it (`worker`).
    public var source: String
    /// A queue message (`QueueMessage`): one refused event, or a message that does not decode.
    public var body: [UInt8]
    /// Why, in the words of the store or the codec.
    public var reason: String
    /// When it was recorded (the store's clock).
    public var failedAt: Timestamp

    /// A dead letter as a store read it.
    public init(id: Int64, source: String, body: [UInt8], reason: String, failedAt: Timestamp) {
        self.id = id
        self.source = source
        self.body = body
        self.reason = reason
        self.failedAt = failedAt
    }
}

/// A store that can list the dead letters it keeps. A capability: a store driver's store
/// adopts it beside `EventStore`; the in-memory twin does, and the conformance suite reads
/// back what `recordDeadLetter` kept on every store that adopts it.
public protocol DeadLetterReader: Sendable {
    /// At most `limit` dead letters with an id above `after` (all when nil), oldest first.
    /// Cost: one indexed range read.
    func deadLetters(after: Int64?, limit: Int) async throws -> [DeadLetter]
}
