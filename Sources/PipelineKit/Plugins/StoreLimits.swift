// StoreLimits: what a store cannot hold, declared by its driver, so that the ingest path
// refuses such an event with a reason instead of accepting it and dead-lettering it later.
// The string policy that holds for every store is here too.

/// The values a store refuses, beyond SmolHog's own string policy.
///
/// `validate` enforces them on the ingest path, and `check-config` rejects a stage whose
/// configured limits exceed them (`StoreLimitedStageKind`), so an event a store would
/// refuse is answered with a per-event 4xx reason, never a 2xx followed by a dead letter.
public struct StoreLimits: Sendable, Hashable {
    /// Longest `event_id`, `user_id` and `session_id` in UTF-8 bytes; nil: no limit.
    public var maxIDBytes: Int?
    /// Longest `event_name` in UTF-8 bytes; nil: no limit.
    public var maxEventNameBytes: Int?
    /// Earliest and latest event timestamp the store can hold; nil: any `Timestamp`.
    public var timestamps: ClosedRange<Timestamp>?

    /// Limits as given; nil leaves that value unlimited.
    public init(maxIDBytes: Int? = nil, maxEventNameBytes: Int? = nil, timestamps: ClosedRange<Timestamp>? = nil) {
        self.maxIDBytes = maxIDBytes
        self.maxEventNameBytes = maxEventNameBytes
        self.timestamps = timestamps
    }

    /// A store that holds any value SmolHog's string policy lets through.
    public static let none = StoreLimits()
}

/// SmolHog's one string policy, the same on every store: no store keeps U+0000 (NUL)
/// faithfully (PostgreSQL's `text` and `jsonb` refuse it; SQLite keeps it, and then every
/// read and rollup cuts the string there). So `event_id`, `event_name`, `user_id` and
/// `session_id` holding one are refused, and NUL in property keys and string values is
/// replaced by U+FFFD (counted in `smolhog_validate_nul_replaced_total`).
public enum StringPolicy {
    /// The character no stored string holds.
    public static let forbidden: Character = "\u{0}"
    /// What replaces it in properties.
    public static let replacement: Character = "\u{FFFD}"
}

/// A stage kind whose config must fit the store's limits (`validate`'s lengths): the
/// compiler calls this with the limits of the graph's store driver, and reports each
/// problem at its field's line, like `StageKind.check`.
public protocol StoreLimitedStageKind: StageKind {
    /// The config's problems against `limits`, without I/O.
    static func check(_ config: Config, against limits: StoreLimits) -> [ConfigProblem]
}

extension StoreLimits {
    /// Why the store cannot hold `event`, or nil when it can: a NUL in an id or the name
    /// (`StringPolicy`), an id or name longer than the store holds, or a timestamp outside
    /// its range. `validate` refuses such events at ingest; the worker asks again before each
    /// write, because the queue may hold events an ingest node with other limits accepted
    /// (an older version, another config), and a refusal found here costs no store write.
    public func refusal(of event: Event) -> String? {
        func id(_ field: String, _ value: String, most: Int?) -> String? {
            if value.containsNUL { return "\(field) holds U+0000 (NUL), which no store keeps" }
            if let most, value.utf8.count > most { return "\(field) is \(value.utf8.count) bytes; the store holds at most \(most)" }
            return nil
        }
        if let reason = id("event_id", event.eventID, most: maxIDBytes) ?? id("event_name", event.eventName, most: maxEventNameBytes)
            ?? id("user_id", event.userID, most: maxIDBytes)
        {
            return reason
        }
        if let session = event.sessionID, let reason = id("session_id", session, most: maxIDBytes) { return reason }
        if let timestamps, !timestamps.contains(event.timestamp) {
            return "timestamp \(event.timestamp) is outside what the store holds (\(timestamps.lowerBound) to \(timestamps.upperBound))"
        }
        return nil
    }
}
