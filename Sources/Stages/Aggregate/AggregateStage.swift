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

    /// A bucket of one interval, by its start and the number of its event name in the batch.
    struct Key: Hashable {
        var start: Int64
        var name: Int32
    }

    public func apply(_ batch: Batch<StoredEvent>) throws -> Batch<RollupDelta> {
        var delta = RollupDelta(totalEvents: batch.count)
        // Each user id and event name is hashed once per event, into its number in the batch
        // (in order of first appearance); the buckets then count numbers. Counting strings
        // took eight string hashes per event, about 5 % of the process's CPU end to end.
        var users = Numbering(), names = Numbering()
        _ = names.number(Self.allEvents)
        var seen: [ClosedRange<Timestamp>] = []
        var numbered: [(user: Int32, name: Int32, timestamp: Timestamp)] = []
        numbered.reserveCapacity(batch.count)
        // By index, reading the fields in place: a copy of an event is a retain per field.
        for index in batch.items.indices {
            let timestamp = batch.items[index].event.timestamp
            let user = users.number(batch.items[index].event.userID)
            if Int(user) == seen.count {
                seen.append(timestamp...timestamp)
            } else {
                seen[Int(user)].widen(to: timestamp)
            }
            numbered.append((user, names.number(batch.items[index].event.eventName), timestamp))
        }
        for interval in intervals {
            var positions: [Key: Int] = [:]
            var buckets: [(key: Key, events: Int, users: [Int32])] = []
            // (bucket position, user number): whether the bucket has the user yet.
            var counted = Set<UInt64>()
            func count(_ key: Key, _ user: Int32) {
                let position: Int
                if let known = positions[key] {
                    position = known
                    buckets[position].events += 1
                } else {
                    position = buckets.count
                    positions[key] = position
                    buckets.append((key, 1, []))
                }
                if counted.insert(UInt64(position) << 32 | UInt64(UInt32(user))).inserted { buckets[position].users.append(user) }
            }
            for event in numbered {
                let start = (interval == .day ? event.timestamp.dayStart : event.timestamp.hourStart).microseconds
                count(Key(start: start, name: event.name), event.user)
                count(Key(start: start, name: 0), event.user)
            }
            delta.buckets[interval] = buckets.map { bucket in
                RollupDelta.Bucket(
                    start: Timestamp(microseconds: bucket.key.start), eventName: names.strings[Int(bucket.key.name)], events: bucket.events,
                    users: bucket.users.map { users.strings[Int($0)] })
            }
        }
        delta.users = Dictionary(uniqueKeysWithValues: zip(users.strings, seen))
        return Batch(items: [delta], origins: [0], rejections: [], receivedAt: batch.receivedAt)
    }
}

/// Strings numbered 0, 1, … in order of first appearance.
private struct Numbering {
    private var numbers: [String: Int32] = [:]
    private(set) var strings: [String] = []

    mutating func number(_ string: String) -> Int32 {
        if let known = numbers[string] { return known }
        let next = Int32(strings.count)
        numbers[string] = next
        strings.append(string)
        return next
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
