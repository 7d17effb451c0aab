// The read side of a store: what the analytics endpoints ask. Served from rollups (stats,
// trends) and from indexed keyset scans (events), so cost does not grow with the table.

/// Analytics queries a store answers.
public protocol AnalyticsReader: Sendable {
    func stats(top: Int) async throws -> AnalyticsStats
    func events(_ query: EventQuery) async throws -> EventPage
    func trends(_ query: TrendQuery) async throws -> [TrendPoint]
}

public struct AnalyticsStats: Sendable, Hashable {
    public var totalEvents: Int64
    public var uniqueUsers: Int64
    public var topEvents: [(name: String, count: Int64)]
    public init(totalEvents: Int64, uniqueUsers: Int64, topEvents: [(name: String, count: Int64)]) {
        self.totalEvents = totalEvents
        self.uniqueUsers = uniqueUsers
        self.topEvents = topEvents
    }
    public static func == (a: Self, b: Self) -> Bool {
        a.totalEvents == b.totalEvents && a.uniqueUsers == b.uniqueUsers && a.topEvents.elementsEqual(b.topEvents, by: { $0 == $1 })
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(totalEvents)
        hasher.combine(uniqueUsers)
    }
}

/// Position after the last row of a page: newest-first order is (timestamp DESC, id DESC).
public struct EventCursor: Sendable, Hashable {
    public var timestamp: Timestamp
    public var id: Int64
    public init(timestamp: Timestamp, id: Int64) {
        self.timestamp = timestamp
        self.id = id
    }

    /// Opaque text form, `<microseconds>.<id>`.
    public var token: String { "\(timestamp.microseconds).\(id)" }
    public init?(token: String) {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        self.init(timestamp: Timestamp(microseconds: micros), id: id)
    }
}

public struct EventQuery: Sendable, Hashable {
    public var limit: Int
    public var eventName: String?
    public var userID: String?
    /// Only events strictly before this time.
    public var before: Timestamp?
    public var after: EventCursor?
    public init(limit: Int, eventName: String? = nil, userID: String? = nil, before: Timestamp? = nil, after: EventCursor? = nil) {
        self.limit = limit
        self.eventName = eventName
        self.userID = userID
        self.before = before
        self.after = after
    }
}

/// A stored event with its row id.
public struct StoredRow: Sendable, Hashable {
    public var id: Int64
    public var event: Event
    public init(id: Int64, event: Event) {
        self.id = id
        self.event = event
    }
}

public struct EventPage: Sendable, Hashable {
    public var rows: [StoredRow]
    /// Present when there may be more rows.
    public var next: EventCursor?
    public init(rows: [StoredRow], next: EventCursor?) {
        self.rows = rows
        self.next = next
    }
}

public struct TrendQuery: Sendable, Hashable {
    /// nil means all events.
    public var eventName: String?
    public var from: Timestamp
    public var to: Timestamp
    public var interval: RollupDelta.Interval
    public init(eventName: String?, from: Timestamp, to: Timestamp, interval: RollupDelta.Interval) {
        self.eventName = eventName
        self.from = from
        self.to = to
        self.interval = interval
    }
}

public struct TrendPoint: Sendable, Hashable {
    public var bucket: Timestamp
    public var events: Int64
    public var users: Int64
    public init(bucket: Timestamp, events: Int64, users: Int64) {
        self.bucket = bucket
        self.events = events
        self.users = users
    }
}

/// Stores that serve analytics expose their reader through the persist stage.
public protocol AnalyticsSource {
    var analytics: any AnalyticsReader { get }
}
