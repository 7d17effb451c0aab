// persons: StoredEvent → RollupDelta (its `persons` part), inside the store transaction. Owns
// which events say something about persons and groups ($set, $set_once, $identify,
// $create_alias, $groupidentify, $groups) and what each says; a `PersonStore` applies it.

public import PipelineKit

/// `- persons: {groups: true}` in pipeline.yaml, after `persist` (beside `aggregate`).
public struct PersonsStageKind: StageKind {
    /// The stage's options.
    public struct Config: Decodable, Sendable, Hashable {
        /// Whether `$groupidentify` and `properties.$groups` keep group profiles and
        /// memberships (true by default); persons are kept either way.
        public var groups: Bool = true
        /// The defaults.
        public init() {}
        enum CodingKeys: String, CodingKey { case groups }
        /// Decodes `{groups: BOOL}`; every key is optional.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            groups = try container.decodeIfPresent(Bool.self, forKey: .groups) ?? true
        }
    }

    /// `persons`.
    public static let name = "persons"
    /// `persons: {}` and a bare `- persons` mean the defaults.
    public static var defaultConfig: Config? { Config() }
    /// Builds the pure stage; nothing to connect to.
    public static func build(_ config: Config, context: BuildContext) async throws -> PersonsStage { PersonsStage(groups: config.groups) }
}

/// Turns newly inserted events into one `RollupDelta` whose only part is `persons`. An event
/// that carries nothing for persons (no `$set`, `$set_once` or `$groups` key, not one of the
/// identify, alias or group names) costs a look at its name and a walk of its top-level keys,
/// without parsing its properties.
public struct PersonsStage: InTransactionStage {
    /// The inserted events.
    public typealias Input = StoredEvent
    /// One delta with the batch's person and group changes.
    public typealias Output = RollupDelta
    /// Whether group changes are kept (`PersonsStageKind.Config.groups`).
    public let groups: Bool

    /// A stage that keeps groups unless told not to.
    public init(groups: Bool = true) { self.groups = groups }

    static let namesWithChanges: Set<String> = ["$identify", "$create_alias", "$groupidentify", "$set", "$set_once"]
    static let keysWithChanges: [[UInt8]] = ["$set", "$set_once", "$groups"].map { Array($0.utf8) }

    /// One delta for the batch (empty when no event carries person data).
    public func apply(_ batch: Batch<StoredEvent>) throws -> Batch<RollupDelta> {
        var delta = PersonDelta()
        for index in batch.items.indices {
            let event = batch.items[index].event
            guard Self.namesWithChanges.contains(event.eventName) || event.hasPropertyKey(among: Self.keysWithChanges) else { continue }
            changes(of: event, into: &delta.changes)
        }
        return Batch(items: [RollupDelta(persons: delta)], origins: [0], rejections: [], receivedAt: batch.receivedAt)
    }

    /// The changes one event makes, in a fixed order: links first (so the event's own `$set`
    /// lands on the joined person), then `$set`, `$set_once`, then groups.
    func changes(of event: Event, into changes: inout [PersonDelta.Change]) {
        let properties = event.properties
        let user = event.userID
        let at = event.timestamp
        let other: String? =
            switch event.eventName {
            // posthog-js names the anonymous id `$anon_distinct_id`; a Segment identify keeps
            // its `anonymousId` beside `userId` (the event's user_id) in properties.
            case "$identify": properties["$anon_distinct_id"]?.stringValue ?? properties["anonymousId"]?.stringValue
            case "$create_alias": properties["alias"]?.stringValue
            default: nil
            }
        if let other, other != user, !PersonID.isIllegal(user), !PersonID.isIllegal(other) {
            changes.append(.link(distinctID: user, otherID: other, at: at))
        }
        if let set = properties["$set"]?.objectValue, !set.isEmpty { changes.append(.set(distinctID: user, properties: set, at: at)) }
        if let once = properties["$set_once"]?.objectValue, !once.isEmpty { changes.append(.setOnce(distinctID: user, properties: once, at: at)) }
        guard groups else { return }
        if event.eventName == "$groupidentify", let type = properties["$group_type"].flatMap(Self.groupText),
            let key = properties["$group_key"].flatMap(Self.groupText)
        {
            changes.append(.groupSet(type: type, key: key, properties: properties["$group_set"]?.objectValue ?? [:], at: at))
            changes.append(.joinGroup(type: type, key: key, distinctID: user, at: at))
        }
        if let memberships = properties["$groups"]?.objectValue {
            for (type, value) in memberships where !type.isEmpty {
                if let key = Self.groupText(value) { changes.append(.joinGroup(type: type, key: key, distinctID: user, at: at)) }
            }
        }
    }

    /// A group type or key: a non-empty string, or a number as its text; anything else is ignored.
    static func groupText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text.isEmpty ? nil : text
        case .number(let number): number.literal
        default: nil
        }
    }
}
