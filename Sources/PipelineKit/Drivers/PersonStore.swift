// PersonStore: the store capability behind persons and groups. A store that adopts it applies
// `RollupDelta.persons` in the write transaction and answers the person and group views of
// `GET /analytics/persons/{id}` and `GET /analytics/groups/{type}/{key}`.

/// A store that keeps persons (profiles joined across distinct ids) and groups.
///
/// Contract of the write side: inside `EventStore.write`'s transaction, after the rollups,
/// the store applies each delta's `persons` changes in order (`PersonDelta.Change` says what
/// each does). Only newly inserted events produce changes, so a redelivered batch changes
/// nothing. When a link joins two ids that each have a person, the person created first (the
/// lower person id) survives: it takes the other's distinct ids, its properties are the
/// other's with its own laid over them (on a key both have, the survivor's value wins), and
/// its first and last seen span both. Concurrent writers apply person changes one at a time.
///
/// The in-memory twin (`MemoryStore`) and every built-in store adopt it; the conformance
/// suite checks them alike.
public protocol PersonStore: Sendable {
    /// The person `distinctID` belongs to: its profile, every distinct id joined to it, and
    /// first and last seen over all of them. nil when no event, alias or `$set` ever named the
    /// id. Called by `GET /analytics/persons/{id}`; reads indexed rows, never scans events.
    func person(distinctID: String) async throws -> PersonProfile?
    /// The group, with its first `memberLimit` member ids (by distinct id, byte order) and
    /// their count; nil when no event named it. Called by `GET /analytics/groups/{type}/{key}`.
    func group(_ group: GroupKey, memberLimit: Int) async throws -> GroupProfile?
}

/// A person as `PersonStore.person(distinctID:)` reads it.
public struct PersonProfile: Sendable, Hashable {
    /// The store's id of the person, stable until it is merged into an older one; nil when
    /// the id has events but no person data (no `$set`, alias or identify) yet.
    public var personID: Int64?
    /// Profile properties, as `$set`, `$set_once` and merges left them.
    public var properties: JSONObject
    /// Every distinct id joined to the person, in byte order.
    public var distinctIDs: [String]
    /// Earliest event time of any of its ids; nil when none has an event yet.
    public var firstSeen: Timestamp?
    /// Latest event time of any of its ids; nil when none has an event yet.
    public var lastSeen: Timestamp?
    /// Memberwise; stores build these.
    public init(personID: Int64?, properties: JSONObject, distinctIDs: [String], firstSeen: Timestamp?, lastSeen: Timestamp?) {
        self.personID = personID
        self.properties = properties
        self.distinctIDs = distinctIDs
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// A group as `PersonStore.group(_:memberLimit:)` reads it.
public struct GroupProfile: Sendable, Hashable {
    /// Which group.
    public var group: GroupKey
    /// Properties, as `$group_set` left them.
    public var properties: JSONObject
    /// Distinct ids that are members (each counted once).
    public var memberCount: Int64
    /// The first members by distinct id (byte order), at most the limit asked for.
    public var members: [String]
    /// Earliest time of an event that named the group.
    public var firstSeen: Timestamp
    /// Latest time of an event that named the group.
    public var lastSeen: Timestamp
    /// Memberwise; stores build these.
    public init(group: GroupKey, properties: JSONObject, memberCount: Int64, members: [String], firstSeen: Timestamp, lastSeen: Timestamp) {
        self.group = group
        self.properties = properties
        self.memberCount = memberCount
        self.members = members
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}
