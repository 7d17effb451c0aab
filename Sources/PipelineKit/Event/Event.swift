// The event types that flow through the stage graph: RawEvent (decoded from a wire format,
// not yet checked) and Event (validated). Stages own the transitions between them.

/// An event as the HTTP layer decoded it from any wire format, before validation: the
/// object's fields under SmolHog's own names (`event_id`, `event_name`, `user_id`,
/// `properties`, `timestamp`, `session_id`). Nothing about it is guaranteed yet.
public struct RawEvent: Sendable, Hashable {
    public var fields: JSONObject
    public init(fields: JSONObject) { self.fields = fields }
}

/// A validated event. Invariants (established by the `validate` stage): ids and name are
/// non-empty, `properties` is an object within the configured size and depth.
public struct Event: Sendable, Hashable {
    public var eventID: String
    public var eventName: String
    public var userID: String
    public var properties: JSONObject
    public var timestamp: Timestamp
    public var sessionID: String?
    /// When this server accepted the event.
    public var receivedAt: Timestamp

    public init(
        eventID: String, eventName: String, userID: String, properties: JSONObject = [:], timestamp: Timestamp,
        sessionID: String? = nil, receivedAt: Timestamp
    ) {
        self.eventID = eventID
        self.eventName = eventName
        self.userID = userID
        self.properties = properties
        self.timestamp = timestamp
        self.sessionID = sessionID
        self.receivedAt = receivedAt
    }
}

/// An event the store has just inserted for the first time (duplicates by `event_id` never
/// become a `StoredEvent`), so rollups that count these count each event once.
public struct StoredEvent: Sendable, Hashable {
    public var event: Event
    public init(_ event: Event) { self.event = event }
}
