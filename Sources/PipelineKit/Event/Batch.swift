// Batch: the unit every stage consumes and produces, with per-item rejections that keep
// pointing at the item's place in the original request.

/// Why one item of a batch was rejected: its index in the request, the field and the rule.
public struct Rejection: Sendable, Hashable, Error, CustomStringConvertible {
    /// Position of the item in the original request (not in the current batch).
    public var index: Int
    /// The offending field (`timestamp`, `properties.cart`), or nil when the item as a whole is wrong.
    public var field: String?
    /// What rule was broken and what is expected.
    public var reason: String

    /// Memberwise; `index` must be the item's `Batch.origins` entry, not its current position.
    public init(index: Int, field: String?, reason: String) {
        self.index = index
        self.field = field
        self.reason = reason
    }

    /// `events[INDEX].FIELD: REASON`, or `events[INDEX]: REASON` without a field; for logs.
    public var description: String { field.map { "events[\(index)].\($0): \(reason)" } ?? "events[\(index)]: \(reason)" }
}

/// Items flowing through the graph, each remembering its index in the original request,
/// plus the rejections collected so far and how many items were filtered out. Invariant:
/// `items.count == origins.count`; every item a stage was given is either still in `items`,
/// rejected (in `rejections`) or filtered (counted in `filtered`).
public struct Batch<Element: Sendable>: Sendable {
    /// The items still flowing; `origins[i]` is the request index of `items[i]`. Read-only so
    /// the two stay aligned.
    public private(set) var items: [Element]
    /// For each item, its index in the original request.
    public private(set) var origins: [Int]
    /// Items dropped so far, each with its index in the original request (`Rejection.index`),
    /// in the order stages rejected them. A stage appends to it and keeps what earlier stages
    /// recorded.
    public var rejections: [Rejection]
    /// Items dropped on purpose so far (a `filter` stage): neither accepted nor rejected, so
    /// they have no rejection, the native answer reports only their number (`events_filtered`),
    /// and the worker acknowledges them like stored ones (never redelivered or dead-lettered). A stage keeps what earlier
    /// stages counted.
    public var filtered: Int
    /// When the request that carried this batch arrived.
    public var receivedAt: Timestamp
    /// The request that carried this batch (client IP, User-Agent, source, key, sent-at); it
    /// goes through the queue with the batch, so worker-path stages read it too. Empty when
    /// unknown.
    public var context: IngestContext

    /// A batch of the request's items, origins `0..<items.count` and no rejections; what the HTTP
    /// layer builds from a decoded request.
    public init(_ items: [Element], receivedAt: Timestamp = .now(), context: IngestContext = IngestContext()) {
        self.items = items
        self.origins = Array(items.indices)
        self.rejections = []
        self.filtered = 0
        self.receivedAt = receivedAt
        self.context = context
    }

    /// A batch with explicit origins, for stages that drop, split or merge items; `filtered`
    /// counts the items filtered out so far. Traps unless `items.count == origins.count`.
    public init(
        items: [Element], origins: [Int], rejections: [Rejection], receivedAt: Timestamp, context: IngestContext = IngestContext(), filtered: Int = 0
    ) {
        precondition(items.count == origins.count, "Batch items and origins must line up")
        self.items = items
        self.origins = origins
        self.rejections = rejections
        self.filtered = filtered
        self.receivedAt = receivedAt
        self.context = context
    }

    /// Items still flowing; rejected ones are not counted.
    public var count: Int { items.count }
    /// True when no item is left (every item rejected, or none sent).
    public var isEmpty: Bool { items.isEmpty }

    /// Transforms each item; an item whose transform fails is dropped and its failure recorded
    /// as a rejection at the item's original index.
    public func compactMap<T>(_ transform: (Element) -> Result<T, ItemFailure>) -> Batch<T> {
        var kept: [T] = []
        var keptOrigins: [Int] = []
        kept.reserveCapacity(items.count)
        keptOrigins.reserveCapacity(items.count)
        var rejected = rejections
        // By index, not zip: unspecialized across modules, the zip's iterator looked up
        // type metadata on every step.
        for index in items.indices {
            let origin = origins[index]
            switch transform(items[index]) {
            case .success(let value):
                kept.append(value)
                keptOrigins.append(origin)
            case .failure(let failure):
                rejected.append(Rejection(index: origin, field: failure.field, reason: failure.reason))
            }
        }
        return Batch<T>(items: kept, origins: keptOrigins, rejections: rejected, receivedAt: receivedAt, context: context, filtered: filtered)
    }

    /// Transforms every item; nothing is rejected.
    public func map<T>(_ transform: (Element) throws -> T) rethrows -> Batch<T> {
        Batch<T>(items: try items.map(transform), origins: origins, rejections: rejections, receivedAt: receivedAt, context: context, filtered: filtered)
    }

    /// Changes every item where it stands; nothing is rejected. Cheaper than `map` to the same
    /// type: no item is copied out and back, and no new array is made when the batch owns its
    /// items alone.
    public mutating func updateEach(_ update: (inout Element) throws -> Void) rethrows {
        for index in items.indices { try update(&items[index]) }
    }

    /// The same origins, rejections and filtered count with new items (one per current item).
    public func replacingItems<T>(_ newItems: [T]) -> Batch<T> {
        Batch<T>(items: newItems, origins: origins, rejections: rejections, receivedAt: receivedAt, context: context, filtered: filtered)
    }

    /// Keeps the items `isKept` accepts, in order with their origins; the others are filtered
    /// out: counted in `filtered`, not rejected.
    public func keeping(where isKept: (Element) -> Bool) -> Batch<Element> {
        var kept: [Element] = []
        var keptOrigins: [Int] = []
        kept.reserveCapacity(items.count)
        keptOrigins.reserveCapacity(items.count)
        for index in items.indices where isKept(items[index]) {
            kept.append(items[index])
            keptOrigins.append(origins[index])
        }
        return Batch(
            items: kept, origins: keptOrigins, rejections: rejections, receivedAt: receivedAt, context: context,
            filtered: filtered + items.count - kept.count)
    }
}

/// An item-level failure inside a stage, before it is tied to the item's index.
public struct ItemFailure: Error, Sendable, Hashable {
    /// The offending field (`timestamp`, `properties.cart`), or nil when the item as a whole is wrong.
    public var field: String?
    /// What rule was broken and what is expected, in a sentence for the API client.
    public var reason: String
    /// A failure of `field` (nil for the whole item) because of `reason`.
    public init(field: String?, _ reason: String) {
        self.field = field
        self.reason = reason
    }
}
