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
