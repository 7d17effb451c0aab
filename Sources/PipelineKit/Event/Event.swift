// The event types that flow through the stage graph: RawEvent (decoded from a wire format,
// not yet checked) and Event (validated). Stages own the transitions between them.

/// An event as the HTTP layer decoded it from any wire format, before validation: the
/// object's fields under SmolHog's own names (`event_id`, `event_name`, `user_id`,
/// `properties`, `timestamp`, `session_id`). Nothing about it is guaranteed yet.
public struct RawEvent: Sendable, Hashable {
    /// The decoded object's members, keyed by SmolHog's field names; any JSON values.
    public var fields: JSONObject
    /// `properties` when the wire decoder kept the object as checked text (then it is not in
    /// `fields`); `validate` passes it on without building a tree.
    package var rawProperties: RawJSONObject?
    /// `fields["timestamp"]` as the source already read it (a wire format that resolves
    /// clock skew has the instant in hand); `validate` then checks it without parsing the
    /// text again. Nil when the source left the text to `validate`.
    package var resolvedTimestamp: Timestamp?
    /// A raw event from a wire format's decoded object.
    public init(fields: JSONObject) {
        self.init(fields: fields, rawProperties: nil)
    }
    package init(fields: JSONObject, rawProperties: RawJSONObject?) {
        self.fields = fields
        self.rawProperties = rawProperties
    }

    /// Equal when the fields and the properties' text are (`resolvedTimestamp` is read from
    /// `fields["timestamp"]`, so it adds nothing).
    public static func == (lhs: RawEvent, rhs: RawEvent) -> Bool {
        lhs.fields == rhs.fields && lhs.rawProperties == rhs.rawProperties
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
        hasher.combine(rawProperties)
    }

    /// `properties` as an object, whether the decoder kept it in `fields` or as checked text;
    /// nil when absent or not an object. Parses the text each time: for tests and tools, not
    /// for a stage on the hot path.
    public var propertiesObject: JSONObject? {
        guard let rawProperties else { return fields["properties"]?.objectValue }
        return (try? JSONParser.parse(rawProperties.text))?.objectValue
    }
}

/// A validated event. Invariants (established by the `validate` stage): ids and name are
/// non-empty, `properties` is an object within the configured size and depth.
///
/// Properties are held either as a parsed object or as the compact JSON text of one. The
/// worker path gets text from the queue and hands it to the store as is; only a stage that
/// reads or changes `properties` pays for parsing it.
public struct Event: Sendable {
    enum PropertiesStorage: Sendable {
        case object(JSONObject)
        /// The JSON text of an object (see `init(…propertiesJSON:…)` for who guarantees it),
        /// and its top-level keys when the ingest parser noted them.
        case json(String, keys: PropertyKeySketch?)
    }

    /// Client-chosen unique id, 1 to `validate.max_id_length` UTF-8 bytes. The store keeps the
    /// first event with an id and skips later ones, so a client may resend safely.
    public var eventID: String
    /// What happened (`signup`), 1 to `validate.max_event_name_length` UTF-8 bytes; compared
    /// exactly, case-sensitive.
    public var eventName: String
    /// Who did it, 1 to `validate.max_id_length` UTF-8 bytes; distinct values are what the
    /// rollups count as users.
    public var userID: String
    var propertiesStorage: PropertiesStorage
    /// When it happened, as the client says (UTC, microsecond precision), at most
    /// `validate.max_future_seconds` ahead of `receivedAt`. Rollup buckets use this time.
    public var timestamp: Timestamp
    /// Session id, at most `validate.max_id_length` UTF-8 bytes; nil when absent, null or empty.
    public var sessionID: String?
    /// When this server accepted the event: the arrival time of the HTTP request that carried
    /// it (`Batch.receivedAt`), kept through the queue.
    public var receivedAt: Timestamp

    /// An event with parsed properties. The caller upholds the invariants above (`validate` does;
    /// a test or a source that builds events must too).
    public init(
        eventID: String, eventName: String, userID: String, properties: JSONObject = [:], timestamp: Timestamp,
        sessionID: String? = nil, receivedAt: Timestamp
    ) {
        self.init(eventID, eventName, userID, .object(properties), timestamp, sessionID, receivedAt)
    }

    /// An event whose properties are already JSON text. The caller guarantees the text is a
    /// JSON object that an earlier `validate` accepted (the queue codec reads back what it
    /// wrote), and that `keys`, when given, was noted from that text; a text that does not
    /// parse reads as `{}` through `properties`.
    package init(
        eventID: String, eventName: String, userID: String, propertiesJSON: String, keys: PropertyKeySketch? = nil, timestamp: Timestamp,
        sessionID: String? = nil, receivedAt: Timestamp
    ) {
        self.init(eventID, eventName, userID, .json(propertiesJSON, keys: keys), timestamp, sessionID, receivedAt)
    }

    private init(
        _ eventID: String, _ eventName: String, _ userID: String, _ properties: PropertiesStorage, _ timestamp: Timestamp, _ sessionID: String?,
        _ receivedAt: Timestamp
    ) {
        self.eventID = eventID
        self.eventName = eventName
        self.userID = userID
        self.propertiesStorage = properties
        self.timestamp = timestamp
        self.sessionID = sessionID
        self.receivedAt = receivedAt
    }

    /// The properties object, the same whether the event holds it as text or as a tree.
    ///
    /// Cost: an event holds its properties as JSON text when it comes from the ingest parser
    /// or the queue, so a read parses the whole text (time proportional to its length, a
    /// tree of values allocated); read it once into a local, or change it with
    /// `updateProperties`, rather than reading it per key. Setting it keeps the tree: later
    /// reads are free, and the queue and the store write it back as text once per event.
    /// `hasPropertyKey(among:)` answers without building the tree.
    public var properties: JSONObject {
        get {
            switch propertiesStorage {
            case .object(let object): object
            case .json(let text, _): (try? JSONParser.parse(text))?.objectValue ?? [:]
            }
        }
        set { propertiesStorage = .object(newValue) }
    }

    /// Changes the properties with one parse (see `properties` for the cost).
    public mutating func updateProperties<E: Error>(_ body: (inout JSONObject) throws(E) -> Void) throws(E) {
        var object = properties
        try body(&object)
        properties = object
    }

    /// Whether a top-level property key is one of `candidates` (their UTF-8 bytes); read
    /// without building keys or values when the event carries text, and without reading the
    /// text when the parser's sketch of its keys rules every candidate out.
    public func hasPropertyKey(among candidates: [[UInt8]]) -> Bool {
        switch propertiesStorage {
        case .object(let object):
            return object.members.contains { member in candidates.contains { $0.elementsEqual(member.key.utf8) } }
        case .json(let text, let keys):
            if let keys, !candidates.contains(where: keys.mayContain) { return false }
            return JSONParser.hasMemberKey(ofValidatedObject: text, among: candidates) ?? false
        }
    }

    /// `propertyValues(_:)` for keys not prepared in a `PropertyKeyList` (it prepares them
    /// on each call: for tests and tools; a stage keeps a list).
    package func propertyValues(forKeys keys: [String]) -> [JSONValue?] {
        propertyValues(PropertyKeyList(keys))
    }

    /// The properties as compact JSON text: what the queue carries and the stores write.
    public var propertiesJSON: String {
        switch propertiesStorage {
        case .object(let object): object.jsonText
        case .json(let text, _): text
        }
    }
}

/// Equal when every field is, properties compared as objects (text and parsed forms of the
/// same object are the same event).
extension Event: Hashable {
    /// Field-by-field equality; parses text properties, so it costs a parse of each side.
    public static func == (lhs: Event, rhs: Event) -> Bool {
        lhs.eventID == rhs.eventID && lhs.eventName == rhs.eventName && lhs.userID == rhs.userID && lhs.timestamp == rhs.timestamp
            && lhs.sessionID == rhs.sessionID && lhs.receivedAt == rhs.receivedAt && lhs.properties == rhs.properties
    }

    /// Hashes every field, properties as an object (consistent with `==`; parses text properties).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(eventID)
        hasher.combine(eventName)
        hasher.combine(userID)
        hasher.combine(timestamp)
        hasher.combine(sessionID)
        hasher.combine(receivedAt)
        hasher.combine(properties)
    }
}

/// An event the store has just inserted for the first time (duplicates by `event_id` never
/// become a `StoredEvent`), so rollups that count these count each event once.
public struct StoredEvent: Sendable, Hashable {
    /// The inserted event, as stored.
    public var event: Event
    /// Wraps an event the store has just inserted; only stores create these.
    public init(_ event: Event) { self.event = event }
}
