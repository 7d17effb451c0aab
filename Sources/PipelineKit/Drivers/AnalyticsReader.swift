// The read side of a store: what the analytics endpoints ask. Served from rollups (stats,
// trends) and from indexed keyset scans (events), so cost does not grow with the table.

/// The read side of a store, behind `GET /analytics/*`. Called concurrently from HTTP
/// requests on every process that serves HTTP; each call reads rollups or an index, never a
/// scan of all events.
public protocol AnalyticsReader: Sendable {
    /// Totals and the `top` most frequent event names, read from the rollup tables in one snapshot.
    /// Called by `GET /analytics/stats` (with `top` 10); cost does not grow with the events table.
    /// A throw (store unreachable, schema missing) fails that request; nothing is retried.
    func stats(top: Int) async throws -> AnalyticsStats
    /// One page of stored events matching `query`, newest first by (timestamp, id), read by a
    /// keyset scan of an index: cost grows with `query.limit`, not with the table or the page
    /// number. Called by `GET /analytics/events`; a throw fails that request.
    func events(_ query: EventQuery) async throws -> EventPage
    /// Rollup buckets of `query.interval` whose start lies in `query.from..<query.to`, oldest
    /// first. Buckets with no events are absent (the caller fills the gaps). Called by
    /// `GET /analytics/trends`; a throw fails that request.
    func trends(_ query: TrendQuery) async throws -> [TrendPoint]
}

/// Totals over every stored event, from the rollups, as `GET /analytics/stats` reports them.
public struct AnalyticsStats: Sendable, Hashable {
    /// Events stored, duplicates (same `event_id`) counted once. Never negative.
    public var totalEvents: Int64
    /// Distinct `user_id` values among the stored events.
    public var uniqueUsers: Int64
    /// The most frequent event names with their event counts, at most `top` of them (the
    /// argument of `AnalyticsReader.stats(top:)`), ordered by count descending, ties by the
    /// name's byte order ascending.
    public var topEvents: [(name: String, count: Int64)]
    /// Memberwise; `topEvents` must already be in the order described there.
    public init(totalEvents: Int64, uniqueUsers: Int64, topEvents: [(name: String, count: Int64)]) {
        self.totalEvents = totalEvents
        self.uniqueUsers = uniqueUsers
        self.topEvents = topEvents
    }
    /// Equal when both totals match and `topEvents` match name for name, in order.
    public static func == (a: Self, b: Self) -> Bool {
        a.totalEvents == b.totalEvents && a.uniqueUsers == b.uniqueUsers && a.topEvents.elementsEqual(b.topEvents, by: { $0 == $1 })
    }
    /// Hashes the two totals only (tuples are not `Hashable`); consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(totalEvents)
        hasher.combine(uniqueUsers)
    }
}

/// Position after the last row of a page: newest-first order is (timestamp DESC, id DESC).
public struct EventCursor: Sendable, Hashable {
    /// Event time (`Event.timestamp`) of the last row of the page.
    public var timestamp: Timestamp
    /// Store row id (`StoredRow.id`) of the last row; breaks ties between equal timestamps.
    public var id: Int64
    /// A cursor at the row with this timestamp and id; the next page starts strictly after it.
    public init(timestamp: Timestamp, id: Int64) {
        self.timestamp = timestamp
        self.id = id
    }

    /// Text form `<microseconds>.<id>` (both base-10, e.g. `1714978089123456.42`): the
    /// `next_cursor` of `GET /analytics/events`, which clients pass back as `cursor`.
    public var token: String { "\(timestamp.microseconds).\(id)" }
    /// Parses `token`'s `<microseconds>.<id>` form (two base-10 `Int64` values); nil for any
    /// other text, which the HTTP layer reports as a bad request.
    public init?(token: String) {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        self.init(timestamp: Timestamp(microseconds: micros), id: id)
    }
}

/// What `AnalyticsReader.events(_:)` reads: filters, a page size and a position. Filters
/// combine with AND.
public struct EventQuery: Sendable, Hashable {
    /// Most rows on the page. `GET /analytics/events` allows 1...1000 (default 100).
    public var limit: Int
    /// Only events with this `event_name` (exact, case-sensitive); nil means every name.
    public var eventName: String?
    /// Only events with this `user_id` (exact); nil means every user.
    public var userID: String?
    /// Only events whose timestamp is strictly before this time; nil means no upper bound.
    public var before: Timestamp?
    /// Continue after this cursor (the previous page's `EventPage.next`); nil starts at the
    /// newest event.
    public var after: EventCursor?
    /// A query for the first page when `after` is nil; filters default to none.
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
    /// Row id the store assigned on insert: unique per store, increasing in insertion order.
    public var id: Int64
    /// The event as stored (`event_id` unique across the store).
    public var event: Event
    /// Memberwise; stores build these when they read rows.
    public init(id: Int64, event: Event) {
        self.id = id
        self.event = event
    }
}

/// One page of `AnalyticsReader.events(_:)`: rows newest first, and where to continue.
public struct EventPage: Sendable, Hashable {
    /// At most `EventQuery.limit` rows, ordered by (timestamp DESC, id DESC).
    public var rows: [StoredRow]
    /// Cursor at the last row when more rows matched at read time (the store reads one row
    /// past `limit`); nil on the last page.
    public var next: EventCursor?
    /// Memberwise; `next` must be nil when the store knows no row follows.
    public init(rows: [StoredRow], next: EventCursor?) {
        self.rows = rows
        self.next = next
    }
}

/// What `AnalyticsReader.trends(_:)` reads: one event name's (or all events') buckets of one
/// interval over a half-open time range.
public struct TrendQuery: Sendable, Hashable {
    /// nil means all events.
    public var eventName: String?
    /// Inclusive lower bound of bucket starts. The HTTP layer aligns it to the interval's start
    /// (`Timestamp.dayStart`, `hourStart`).
    public var from: Timestamp
    /// Exclusive upper bound of bucket starts; greater than `from`.
    public var to: Timestamp
    /// Bucket width: an hour or a UTC day, matching one rollup table.
    public var interval: RollupDelta.Interval
    /// Memberwise; the caller guarantees `from < to`.
    public init(eventName: String?, from: Timestamp, to: Timestamp, interval: RollupDelta.Interval) {
        self.eventName = eventName
        self.from = from
        self.to = to
        self.interval = interval
    }
}

/// One non-empty rollup bucket, as `AnalyticsReader.trends(_:)` returns it.
public struct TrendPoint: Sendable, Hashable {
    /// Start of the bucket (UTC, aligned to the hour or day).
    public var bucket: Timestamp
    /// Events stored in the bucket, duplicates counted once.
    public var events: Int64
    /// Distinct `user_id` values among the bucket's events.
    public var users: Int64
    /// Memberwise; stores build these from rollup rows.
    public init(bucket: Timestamp, events: Int64, users: Int64) {
        self.bucket = bucket
        self.events = events
        self.users = users
    }
}

/// Stores that serve analytics expose their reader through the persist stage.
public protocol AnalyticsSource {
    /// The reader the analytics endpoints use; the same store the stage writes to.
    var analytics: any AnalyticsReader { get }
}
