// The store seam of the worker path: what a store driver (sqlite, postgres) must promise,
// and the rollup changes it applies. Drivers live in Stages; this file owns the contract.

/// Where events end up, with rollups kept in the same transaction.
///
/// Contract of `write`: in one transaction, insert the events whose `event_id` is new (skip
/// the rest), call `inTransaction` with exactly the newly inserted ones, apply the rollup
/// deltas it returns, commit. Throwing means nothing was committed.
public protocol EventStore: Sendable {
    /// Stores `events` and their rollups atomically, under the contract above, and returns the
    /// newly inserted events in input order. Called by the worker path, one call per group of
    /// deliveries; with `EventQueue.consumers` above 1, calls from different worker loops run
    /// concurrently. `inTransaction` runs the in-transaction stages (`aggregate`) and does no
    /// I/O. A throw means nothing was committed: the worker asks `isPermanent(_:)`, then
    /// retries or dead-letters.
    func write(_ events: [Event], inTransaction: @escaping @Sendable ([StoredEvent]) throws -> [RollupDelta]) async throws -> [StoredEvent]
    /// Whether the store takes writes now, as the `store` entry of `/healthz`. Awaited on each
    /// health request, so it should be a cheap ping; a failure is `up: false`, with the reason.
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
    /// Keeps several dead letters as `recordDeadLetter` keeps one, all or none, in one write
    /// where the store can (a group's refused events: one commit, not one each).
    func recordDeadLetters(_ letters: [(body: [UInt8], reason: String)], source: String) async throws
    /// Drops what only speeds up writes under load (page caches, remembered keys). The worker
    /// calls it when it has been idle a while; the next write rebuilds what it needs.
    func releaseMemory() async
}

extension EventStore {
    /// Default: one `recordDeadLetter` each, in order; a throw may leave the first ones kept
    /// (the worker then records them again: a dead letter kept twice is harmless, one lost
    /// is not).
    public func recordDeadLetters(_ letters: [(body: [UInt8], reason: String)], source: String) async throws {
        for letter in letters { try await recordDeadLetter(letter.body, source: source, reason: letter.reason) }
    }
    /// Default: every error is transient, so the worker retries it.
    public func isPermanent(_ error: any Error) -> Bool { false }
    /// Default: nothing to release.
    public func releaseMemory() async {}
}

/// Rollup changes for newly inserted events, computed by `aggregate` (and person changes,
/// computed by `persons`) and applied by the store.
public struct RollupDelta: Sendable, Hashable {
    /// Width of a rollup bucket; each has its own rollup table. Buckets start on UTC hour or day
    /// boundaries (`Timestamp.hourStart`, `dayStart`).
    public enum Interval: String, Sendable, Hashable, CaseIterable {
        /// One hour, 3600 s.
        case hour
        /// One UTC day, 86400 s.
        case day
    }

    /// One bucket of one event name: how many events, and which users sent them.
    public struct Bucket: Sendable, Hashable {
        /// First instant of the bucket, aligned to its interval.
        public var start: Timestamp
        /// The event name counted; the empty string is the bucket of all events.
        public var eventName: String
        /// Newly inserted events of this name in the bucket, in this batch. At least 1.
        public var events: Int
        /// Each user once, in the order the batch first had them in this bucket.
        public var users: [String]
        /// Memberwise; `aggregate` builds these.
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
    /// Person and group changes (the `persons` stage's), applied by stores that adopt
    /// `PersonStore`; empty from `aggregate`.
    public var persons: PersonDelta

    /// An empty delta by default; `aggregate` fills it for one batch.
    public init(
        buckets: [Interval: [Bucket]] = [:], totalEvents: Int = 0, users: [String: ClosedRange<Timestamp>] = [:], persons: PersonDelta = PersonDelta()
    ) {
        self.buckets = buckets
        self.totalEvents = totalEvents
        self.users = users
        self.persons = persons
    }
}
