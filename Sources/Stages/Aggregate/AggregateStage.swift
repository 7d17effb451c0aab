// aggregate: StoredEvent → RollupDelta, inside the store transaction. Owns what the rollups
// count (per interval bucket and event name: events and unique users; totals; users' first
// and last seen). Pure: the store applies the delta before it commits.

public import PipelineKit

/// `- aggregate: {intervals: [day, hour]}` in pipeline.yaml.
public struct AggregateStageKind: StageKind {
    public struct Config: Decodable, Sendable, Hashable {
        public var intervals: [RollupDelta.Interval] = [.day, .hour]
        public init() {}
        enum CodingKeys: String, CodingKey { case intervals }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let names = try container.decodeIfPresent([String].self, forKey: .intervals) {
                intervals = try names.enumerated().map { index, name in
                    guard let interval = RollupDelta.Interval(rawValue: name) else {
                        throw DecodingError.dataCorrupted(
                            .init(
                                codingPath: container.codingPath + [CodingKeys.intervals],
                                debugDescription: "intervals[\(index)] is '\(name)'; expected day or hour"))
                    }
                    return interval
                }
            }
        }
    }

    public static let name = "aggregate"
    public static var defaultConfig: Config? { Config() }
    public static func build(_ config: Config, context: BuildContext) async throws -> AggregateStage { AggregateStage(intervals: config.intervals) }
}

/// Turns newly inserted events into one `RollupDelta`. Buckets are keyed by the event's own
/// timestamp (UTC), and each interval also gets an all-events bucket (event name `""`) so
/// trends over all events can count unique users.
public struct AggregateStage: InTransactionStage {
    public typealias Input = StoredEvent
    public typealias Output = RollupDelta
    public static let allEvents = ""
    public let intervals: [RollupDelta.Interval]
    public init(intervals: [RollupDelta.Interval]) { self.intervals = intervals }

    struct Key: Hashable {
        var start: Int64
        var name: String
    }

    public func apply(_ batch: Batch<StoredEvent>) throws -> Batch<RollupDelta> {
        var delta = RollupDelta(totalEvents: batch.count)
        // This runs inside the store's write transaction, on the one writer: one dictionary
        // probe per event and bucket, no per-event allocations.
        for interval in intervals {
            var positions: [Key: Int] = [:]
            var buckets: [RollupDelta.Bucket] = []
            func count(_ key: Key, _ user: String) {
                if let position = positions[key] {
                    buckets[position].events += 1
                    buckets[position].users.insert(user)
                } else {
                    positions[key] = buckets.count
                    buckets.append(RollupDelta.Bucket(start: Timestamp(microseconds: key.start), eventName: key.name, events: 1, users: [user]))
                }
            }
            for stored in batch.items {
                let event = stored.event
                let start = (interval == .day ? event.timestamp.dayStart : event.timestamp.hourStart).microseconds
                count(Key(start: start, name: event.eventName), event.userID)
                count(Key(start: start, name: Self.allEvents), event.userID)
            }
            delta.buckets[interval] = buckets
        }
        for stored in batch.items {
            let event = stored.event
            // One probe per event: the default subscript updates in place.
            delta.users[event.userID, default: event.timestamp...event.timestamp].widen(to: event.timestamp)
        }
        return Batch(items: [delta], origins: [0], rejections: [], receivedAt: batch.receivedAt)
    }
}

extension ClosedRange<Timestamp> {
    /// Grows the range to hold `time`.
    fileprivate mutating func widen(to time: Timestamp) {
        if time < lowerBound {
            self = time...upperBound
        } else if time > upperBound {
            self = lowerBound...time
        }
    }
}
