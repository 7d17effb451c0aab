// The store seam of the worker path: what a store driver (sqlite, postgres) must promise,
// and the rollup changes it applies. Drivers live in Stages; this file owns the contract.

/// Where events end up, with rollups kept in the same transaction.
///
/// Contract of `write`: in one transaction, insert the events whose `event_id` is new (skip
/// the rest), call `inTransaction` with exactly the newly inserted ones, apply the rollup
/// deltas it returns, commit. Throwing means nothing was committed.
public protocol EventStore: Sendable {
    func write(_ events: [Event], inTransaction: @escaping @Sendable ([StoredEvent]) throws -> [RollupDelta]) async throws -> [StoredEvent]
    func health() async -> DependencyHealth
    /// True when `error` (thrown by `write`) is about the data and would recur on every retry
    /// (a value the schema cannot hold); false for outages, timeouts and anything unknown.
    /// The worker dead-letters only on permanent failures and retries the rest without limit.
    func isPermanent(_ error: any Error) -> Bool
    /// Keeps what the worker gives up on, with why, where operators query the data (a
    /// `dead_letters` table): an event the store refused alone (`body` is a message of that
    /// one event, and this is the only copy: the message that held it is acknowledged once
    /// this returns), or a message that does not decode (also in the queue's dead-letter
    /// queue). Throwing means nothing was kept; the worker retries.
    func recordDeadLetter(_ body: [UInt8], source: String, reason: String) async throws
    /// Drops what only speeds up writes under load (page caches, remembered keys). The worker
    /// calls it when it has been idle a while; the next write rebuilds what it needs.
    func releaseMemory() async
}

extension EventStore {
    public func isPermanent(_ error: any Error) -> Bool { false }
    public func releaseMemory() async {}
}

/// Rollup changes for newly inserted events, computed by `aggregate` and applied by the store.
public struct RollupDelta: Sendable, Hashable {
    public enum Interval: String, Sendable, Hashable, CaseIterable {
        case hour
        case day
    }

    /// One bucket of one event name: how many events, and which users sent them.
    public struct Bucket: Sendable, Hashable {
        public var start: Timestamp
        public var eventName: String
        public var events: Int
        /// Each user once, in the order the batch first had them in this bucket.
        public var users: [String]
        public init(start: Timestamp, eventName: String, events: Int, users: [String]) {
            self.start = start
            self.eventName = eventName
            self.events = events
            self.users = users
        }
    }

    /// Buckets per interval (rows of the interval's rollup table).
    public var buckets: [Interval: [Bucket]]
    /// Events newly stored in this batch.
    public var totalEvents: Int
    /// Users seen in this batch, with the first and last timestamp of their events in it.
    public var users: [String: ClosedRange<Timestamp>]

    public init(buckets: [Interval: [Bucket]] = [:], totalEvents: Int = 0, users: [String: ClosedRange<Timestamp>] = [:]) {
        self.buckets = buckets
        self.totalEvents = totalEvents
        self.users = users
    }
}
