// validate: RawEvent → Event. Owns the rules an event must meet to be accepted; every
// rejection names the field and the rule.

import Foundation
import Metrics
public import PipelineKit

/// `- validate: {...}` in pipeline.yaml.
public struct ValidateStageKind: StoreLimitedStageKind {
    public struct Config: Decodable, Sendable, Hashable {
        /// Most events one request may carry; more answers 413.
        public var maxBatch: Int = 1000
        public var maxEventNameLength: Int = 200
        /// For event_id, user_id and session_id.
        public var maxIDLength: Int = 200
        /// Largest `properties` object, as compact JSON bytes.
        public var maxPropertiesBytes: Int = 64 * 1024
        public var maxPropertiesDepth: Int = 10
        /// How far in the future (past the server's clock) a timestamp may be.
        public var maxFutureSeconds: Int = 24 * 3600

        public init() {}

        enum CodingKeys: String, CodingKey {
            case maxBatch = "max_batch"
            case maxEventNameLength = "max_event_name_length"
            case maxIDLength = "max_id_length"
            case maxPropertiesBytes = "max_properties_bytes"
            case maxPropertiesDepth = "max_properties_depth"
            case maxFutureSeconds = "max_future_seconds"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxBatch = try c.decodeIfPresent(Int.self, forKey: .maxBatch) ?? maxBatch
            maxEventNameLength = try c.decodeIfPresent(Int.self, forKey: .maxEventNameLength) ?? maxEventNameLength
            maxIDLength = try c.decodeIfPresent(Int.self, forKey: .maxIDLength) ?? maxIDLength
            maxPropertiesBytes = try c.decodeIfPresent(Int.self, forKey: .maxPropertiesBytes) ?? maxPropertiesBytes
            maxPropertiesDepth = try c.decodeIfPresent(Int.self, forKey: .maxPropertiesDepth) ?? maxPropertiesDepth
            maxFutureSeconds = try c.decodeIfPresent(Int.self, forKey: .maxFutureSeconds) ?? maxFutureSeconds
        }
    }

    public static let name = "validate"
    public static var defaultConfig: Config? { Config() }

    public static func check(_ config: Config) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        let positives: [(String, Int)] = [
            ("max_batch", config.maxBatch), ("max_event_name_length", config.maxEventNameLength), ("max_id_length", config.maxIDLength),
            ("max_properties_bytes", config.maxPropertiesBytes), ("max_properties_depth", config.maxPropertiesDepth),
        ]
        for (field, value) in positives where value < 1 {
            problems.append(ConfigProblem(path: [field], "must be at least 1, got \(value)"))
        }
        if config.maxFutureSeconds < 0 { problems.append(ConfigProblem(path: ["max_future_seconds"], "must be 0 or more, got \(config.maxFutureSeconds)")) }
        return problems
    }

    /// Lengths the store could not hold: an event within them would be accepted and then
    /// refused by the store.
    public static func check(_ config: Config, against limits: StoreLimits) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        if let most = limits.maxIDBytes, config.maxIDLength > most {
            problems.append(
                ConfigProblem(
                    path: ["max_id_length"], "is \(config.maxIDLength) bytes, but the store holds ids of at most \(most) bytes; expected at most \(most)"))
        }
        if let most = limits.maxEventNameBytes, config.maxEventNameLength > most {
            problems.append(
                ConfigProblem(
                    path: ["max_event_name_length"],
                    "is \(config.maxEventNameLength) bytes, but the store holds event names of at most \(most) bytes; expected at most \(most)"))
        }
        return problems
    }

    public static func build(_ config: Config, context: BuildContext) async throws -> ValidateStage {
        ValidateStage(config: config, storeLimits: context.storeLimits)
    }
}

/// Checks each raw event and turns the good ones into `Event`s; `receivedAt` is the batch's
/// arrival time.
public struct ValidateStage: Stage {
    public let config: ValidateStageKind.Config
    /// What the store cannot hold; the configured lengths are within it (`check-config`).
    public let storeLimits: StoreLimits
    public init(config: ValidateStageKind.Config, storeLimits: StoreLimits = .none) {
        self.config = config
        self.storeLimits = storeLimits
    }

    public func process(_ batch: Batch<RawEvent>) async throws -> Batch<Event> {
        guard batch.count <= config.maxBatch else {
            throw PipelineError(.batchTooLarge, "request has \(batch.count) events; at most \(config.maxBatch) are accepted per request (validate.max_batch)")
        }
        let receivedAt = batch.receivedAt
        return batch.compactMap { validate($0, receivedAt: receivedAt) }
    }

    func validate(_ raw: RawEvent, receivedAt: Timestamp) -> Result<Event, ItemFailure> {
        let fields = raw.fields
        func requiredString(_ name: String, maxLength: Int) -> Result<String, ItemFailure> {
            guard let value = fields[name], !value.isNull else { return .failure(ItemFailure(field: name, "is required")) }
            guard case .string(let text) = value else { return .failure(ItemFailure(field: name, "must be a string, got \(value.typeName)")) }
            guard !text.isEmpty else { return .failure(ItemFailure(field: name, "must not be empty")) }
            guard !text.containsNUL else { return .failure(Self.nulFailure(name)) }
            guard text.utf8.count <= maxLength else {
                return .failure(ItemFailure(field: name, "is \(text.utf8.count) bytes; at most \(maxLength) are allowed"))
            }
            return .success(text)
        }
        let eventID: String
        let eventName: String
        let userID: String
        switch requiredString("event_id", maxLength: config.maxIDLength) {
        case .success(let value): eventID = value
        case .failure(let failure): return .failure(failure)
        }
        switch requiredString("event_name", maxLength: config.maxEventNameLength) {
        case .success(let value): eventName = value
        case .failure(let failure): return .failure(failure)
        }
        switch requiredString("user_id", maxLength: config.maxIDLength) {
        case .success(let value): userID = value
        case .failure(let failure): return .failure(failure)
        }

        let timestamp: Timestamp
        switch fields["timestamp"] {
        case .none, .null?: return .failure(ItemFailure(field: "timestamp", "is required (ISO-8601 with a time zone, e.g. 2024-05-06T07:08:09.123Z)"))
        case .string(let text)?:
            // A source that resolved the time hands it over with the text it wrote from it.
            guard let parsed = raw.resolvedTimestamp ?? Timestamp(iso8601: text) else {
                return .failure(
                    ItemFailure(
                        field: "timestamp", "'\(text.prefix(64))' is not an ISO-8601 date-time with a time zone (e.g. 2024-05-06T07:08:09.123Z or +02:00)"))
            }
            let limit = receivedAt.microseconds + Int64(config.maxFutureSeconds) * 1_000_000
            guard parsed.microseconds <= limit else {
                return .failure(
                    ItemFailure(field: "timestamp", "\(text) is more than \(config.maxFutureSeconds) s in the future (validate.max_future_seconds)"))
            }
            if let range = storeLimits.timestamps, !range.contains(parsed) {
                return .failure(ItemFailure(field: "timestamp", "\(text) is outside what the store holds (\(range.lowerBound) to \(range.upperBound))"))
            }
            timestamp = parsed
        case let other?: return .failure(ItemFailure(field: "timestamp", "must be an ISO-8601 string, got \(other.typeName)"))
        }

        var sessionID: String?
        switch fields["session_id"] {
        case .none, .null?: sessionID = nil
        case .string(let text)?:
            guard !text.containsNUL else { return .failure(Self.nulFailure("session_id")) }
            guard text.utf8.count <= config.maxIDLength else {
                return .failure(ItemFailure(field: "session_id", "is \(text.utf8.count) bytes; at most \(config.maxIDLength) are allowed"))
            }
            sessionID = text.isEmpty ? nil : text
        case let other?: return .failure(ItemFailure(field: "session_id", "must be a string or null, got \(other.typeName)"))
        }

        // Properties come as the ingest parser's checked text, or as an object from another
        // decoder; the limits are the same for both.
        var object = JSONObject()
        let depth: Int
        let size: Int
        if let text = raw.rawProperties {
            (depth, size) = (text.depth, text.text.utf8.count)
        } else {
            switch fields["properties"] {
            case .none, .null?: (depth, size) = (0, 0)
            case .object(let value)?:
                object = value
                // One walk for both limits: this runs for every event on the ingest path.
                (depth, size) = JSONValue.object(value).depthAndApproximateSize
            case let other?: return .failure(ItemFailure(field: "properties", "must be an object, got \(other.typeName)"))
            }
        }
        guard depth <= config.maxPropertiesDepth else {
            return .failure(ItemFailure(field: "properties", "is nested \(depth) levels deep; at most \(config.maxPropertiesDepth) are allowed"))
        }
        guard size <= config.maxPropertiesBytes else {
            return .failure(ItemFailure(field: "properties", "is about \(size) bytes of JSON; at most \(config.maxPropertiesBytes) are allowed"))
        }
        if let text = raw.rawProperties, let cleaned = Self.replacingNUL(inJSON: text.text) {
            return .success(
                Event(
                    eventID: eventID, eventName: eventName, userID: userID, properties: cleaned, timestamp: timestamp, sessionID: sessionID,
                    receivedAt: receivedAt))
        }
        if raw.rawProperties == nil, let (cleaned, count) = JSONValue.object(object).replacingNUL(), count > 0, let cleanedObject = cleaned.objectValue {
            Self.countReplaced(count)
            object = cleanedObject
        }
        if let text = raw.rawProperties {
            return .success(
                Event(
                    eventID: eventID, eventName: eventName, userID: userID, propertiesJSON: text.text, keys: text.keys, timestamp: timestamp,
                    sessionID: sessionID,
                    receivedAt: receivedAt))
        }
        return .success(
            Event(
                eventID: eventID, eventName: eventName, userID: userID, properties: object, timestamp: timestamp, sessionID: sessionID,
                receivedAt: receivedAt))
    }
}

extension JSONValue {
    /// Nesting depth (scalars 0) and compact JSON length not counting escape expansion, in
    /// one walk: cheap, and within a few percent of the real size.
    var depthAndApproximateSize: (depth: Int, size: Int) {
        switch self {
        case .null: (0, 4)
        case .bool(let flag): (0, flag ? 4 : 5)
        case .number(let number): (0, number.literal.utf8.count)
        case .string(let text): (0, text.utf8.count + 2)
        case .array(let items):
            items.reduce((1, 2 + max(0, items.count - 1))) { total, item in
                let (depth, size) = item.depthAndApproximateSize
                return (max(total.0, depth + 1), total.1 + size)
            }
        case .object(let object):
            object.members.reduce((1, 2 + max(0, object.count - 1))) { total, member in
                let (depth, size) = member.value.depthAndApproximateSize
                return (max(total.0, depth + 1), total.1 + member.key.utf8.count + 3 + size)
            }
        }
    }
}
