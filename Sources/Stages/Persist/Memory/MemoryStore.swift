// MemoryStore: the in-memory twin of the store drivers, for tests and for people writing a
// driver. It keeps the store contract (one atomic write, duplicates skipped, rollups only
// for newly inserted events, analytics from rollups) with nothing on disk.

public import PipelineKit
import Synchronization

/// A store held in memory, with fault injection for the worker's tests.
///
/// - `failNextWrites(_:with:)`: the next writes throw (an outage, unless the error is a
///   `MemoryStoreError.refused`), committing nothing.
/// - `refuse(_:)`: events the predicate names make a write fail permanently, as a real
///   store refuses a value its schema cannot hold.
public final class MemoryStore: EventStore, AnalyticsReader, DeadLetterReader, PersonStore, Sendable {
    struct BucketKey: Hashable, Sendable {
        var interval: RollupDelta.Interval
        var eventName: String
        var start: Timestamp
    }

    struct Tables: Sendable {
        var rows: [Int64: StoredRow] = [:]
        var idsByEventID: [String: Int64] = [:]
        var nextID: Int64 = 1
        var buckets: [BucketKey: (events: Int64, users: Set<String>)] = [:]
        var eventsPerName: [String: Int64] = [:]
        var totalEvents: Int64 = 0
        var persons: [String: ClosedRange<Timestamp>] = [:]
        var deadLetters: [DeadLetter] = []
        /// Persons and groups (MemoryStore+Persons.swift).
        var people = PeopleTables()
    }

    struct State: Sendable {
        var tables = Tables()
        var failures: [any Error & Sendable] = []
        var refusal: (@Sendable (Event) -> String?)?
        var writes = 0
    }

    let state = Mutex(State())

    public init() {}

    public func write(_ events: [Event], inTransaction: @escaping @Sendable ([StoredEvent]) throws -> [RollupDelta]) async throws -> [StoredEvent] {
        try state.withLock { state in
            state.writes += 1
            if !state.failures.isEmpty { throw state.failures.removeFirst() }
            if let refusal = state.refusal {
                for event in events {
                    if let reason = refusal(event) { throw MemoryStoreError.refused("event \(event.eventID): \(reason)") }
                }
            }
            var tables = state.tables
            var inserted: [StoredEvent] = []
            for event in events where tables.idsByEventID[event.eventID] == nil {
                let id = tables.nextID
                tables.nextID += 1
                tables.idsByEventID[event.eventID] = id
                tables.rows[id] = StoredRow(id: id, event: event)
                inserted.append(StoredEvent(event))
            }
            for delta in try inTransaction(inserted) {
                Self.apply(delta, to: &tables)
                tables.people.apply(delta.persons)
            }
            // Commit: everything above, or (on a throw) nothing.
            state.tables = tables
            return inserted
        }
    }

    static func apply(_ delta: RollupDelta, to tables: inout Tables) {
        guard delta.totalEvents > 0 else { return }
        for (interval, buckets) in delta.buckets {
            for bucket in buckets {
                let key = BucketKey(interval: interval, eventName: bucket.eventName, start: bucket.start)
                var current = tables.buckets[key] ?? (0, [])
                current.events += Int64(bucket.events)
                current.users.formUnion(bucket.users)
                tables.buckets[key] = current
            }
        }
        // Per-name totals from one interval's buckets, as the other stores count them.
        for bucket in delta.buckets[.day] ?? delta.buckets[.hour] ?? [] where bucket.eventName != AggregateStage.allEvents {
            tables.eventsPerName[bucket.eventName, default: 0] += Int64(bucket.events)
        }
        for (user, seen) in delta.users {
            let known = tables.persons[user]
            tables.persons[user] = min(known?.lowerBound ?? seen.lowerBound, seen.lowerBound)...max(known?.upperBound ?? seen.upperBound, seen.upperBound)
        }
        tables.totalEvents += Int64(delta.totalEvents)
    }

    public func health() async -> DependencyHealth {
        let down = state.withLock { $0.failures.first.map { "\($0)" } }
        return DependencyHealth(name: "store", up: down == nil, detail: down)
    }

    public func isPermanent(_ error: any Error) -> Bool {
        if case .refused = error as? MemoryStoreError { return true }
        return false
    }

    public func recordDeadLetter(_ body: [UInt8], source: String, reason: String) async throws {
        state.withLock { state in
            let letter = DeadLetter(
                id: Int64(state.tables.deadLetters.count + 1), source: source, body: body, reason: reason, failedAt: Timestamp.now())
            state.tables.deadLetters.append(letter)
        }
    }

    // MARK: Fault injection and inspection

    /// The next `count` writes throw `error` and commit nothing.
    public func failNextWrites(_ count: Int, with error: any Error & Sendable) {
        state.withLock { $0.failures += Array(repeating: error, count: count) }
    }

    /// From now on a write holding an event `reason` returns a text for fails permanently
    /// (nil: accept everything again).
    public func refuse(_ reason: (@Sendable (Event) -> String?)?) {
        state.withLock { $0.refusal = reason }
    }

    /// Every stored event, in insertion order.
    public var storedEvents: [Event] {
        state.withLock { $0.tables.rows.values.sorted { $0.id < $1.id }.map(\.event) }
    }

    /// What `recordDeadLetter` kept, oldest first.
    public var deadLetters: [DeadLetter] { state.withLock { $0.tables.deadLetters } }

    /// Calls of `write`, failed ones included.
    public var writeCount: Int { state.withLock { $0.writes } }

    public func deadLetters(after: Int64?, limit: Int) async throws -> [DeadLetter] {
        state.withLock { state in Array(state.tables.deadLetters.filter { $0.id > (after ?? 0) }.prefix(max(0, limit))) }
    }

    // MARK: AnalyticsReader

    public func stats(top: Int) async throws -> AnalyticsStats {
        state.withLock { state in
            let tables = state.tables
            let topEvents = tables.eventsPerName.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(top)
            return AnalyticsStats(
                totalEvents: tables.totalEvents, uniqueUsers: Int64(tables.persons.count), topEvents: topEvents.map { (name: $0.key, count: $0.value) })
        }
    }

    public func trends(_ query: TrendQuery) async throws -> [TrendPoint] {
        state.withLock { state in
            let name = query.eventName ?? AggregateStage.allEvents
            return state.tables.buckets
                .filter { $0.key.interval == query.interval && $0.key.eventName == name && $0.key.start >= query.from && $0.key.start < query.to }
                .sorted { $0.key.start < $1.key.start }
                .map { TrendPoint(bucket: $0.key.start, events: $0.value.events, users: Int64($0.value.users.count)) }
        }
    }

    public func events(_ query: EventQuery) async throws -> EventPage {
        state.withLock { state in
            let matching = state.tables.rows.values.filter { row in
                if let name = query.eventName, row.event.eventName != name { return false }
                if let user = query.userID, row.event.userID != user { return false }
                if let before = query.before, row.event.timestamp >= before { return false }
                if let after = query.after {
                    return (row.event.timestamp, row.id) < (after.timestamp, after.id)
                }
                return true
            }
            let newestFirst = matching.sorted { ($0.event.timestamp, $0.id) > ($1.event.timestamp, $1.id) }
            let page = Array(newestFirst.prefix(query.limit))
            let next = newestFirst.count > query.limit ? page.last.map { EventCursor(timestamp: $0.event.timestamp, id: $0.id) } : nil
            return EventPage(rows: page, next: next)
        }
    }
}

/// Why a `MemoryStore` write failed.
public enum MemoryStoreError: Error, Sendable, CustomStringConvertible {
    /// The store refuses the data: permanent, as a constraint or type error is.
    case refused(String)
    /// The store is down: transient.
    case unavailable(String)

    public var description: String {
        switch self {
        case .refused(let reason): "refused: \(reason)"
        case .unavailable(let reason): "unavailable: \(reason)"
        }
    }
}

/// `persist: {memory: {}}`: the in-memory twin as a driver. Not in `Plugins.builtIn`; tests
/// and plugin authors add it.
public enum MemoryStoreDriver: StoreDriver {
    /// `max_id_bytes` (optional) declares a limit the twin then reports as its own, so tests
    /// can drive what a store with limits does; without it the twin holds anything.
    public struct Config: Decodable, Sendable {
        /// Longest id the twin declares it holds; nil: no limit.
        public var maxIDBytes: Int?
        public init(maxIDBytes: Int? = nil) { self.maxIDBytes = maxIDBytes }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: DriverConfigKey.self)
            for key in container.allKeys where key.stringValue != "max_id_bytes" {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "unknown key '\(key.stringValue)'; the memory store takes only max_id_bytes")
            }
            maxIDBytes = try DriverConfigKey(stringValue: "max_id_bytes").flatMap { try container.decodeIfPresent(Int.self, forKey: $0) }
        }
    }

    public static let name = "memory"

    public static func limits(_ config: Config) -> StoreLimits { StoreLimits(maxIDBytes: config.maxIDBytes) }

    public static func open(_ config: Config, context: BuildContext) async throws -> any AnalyticsStore { MemoryStore() }
}

struct DriverConfigKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
