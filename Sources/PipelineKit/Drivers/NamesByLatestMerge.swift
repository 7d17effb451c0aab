// NamesByLatestMerge: the plan both stores follow for a page of every event name, without an
// index on (timestamp, id). Pure logic over keys; the stores read the names and probe their
// runs of the (event_name, timestamp, id) index.
//
// Each store keeps the newest timestamp of every event name (`event_name_latest`, one upsert
// per name and write transaction) and reads the names newest first:
//
//   for each name, newest `latest` first:
//     stop if the page is full and `latest` is older than its oldest key (the floor)
//     read the name's newest keys that pass the query, above the floor if there is one
//     keep the newest `limit` keys read so far
//
// Why it is exact: every key of a name is at or before its `latest`, so a name whose `latest`
// is older than a full page's oldest key cannot add to it, nor can any name after it.
//
// What it costs: a probe per name whose newest event is at or above the page's oldest key.
// For the first page that is at most `limit` + 1 names (each key of the page is one name's),
// however many distinct names clients sent; probing every name's run, as before, cost seconds
// with 200,000 names. A page further down, or one that asks for events before a time, also
// probes the names seen since; a page that cannot fill (the last one) probes every name.

/// A row's place in a page: newest first by timestamp, then by id.
package struct PageKey: Sendable, Hashable, Comparable {
    package var timestamp: Int64
    package var id: Int64

    package init(timestamp: Int64, id: Int64) {
        self.timestamp = timestamp
        self.id = id
    }

    /// Orders keys oldest first, so `sorted(by: >)` is page order.
    package static func < (a: PageKey, b: PageKey) -> Bool { (a.timestamp, a.id) < (b.timestamp, b.id) }
}

/// The page so far, while the names are read newest first. Invariant: `keys` is in page order
/// (newest first), holds at most `limit` keys, and they are the newest of every key added.
package struct NamesByLatestMerge: Sendable {
    /// Most keys the page holds.
    package let limit: Int
    /// The page's keys so far, newest first.
    package private(set) var keys: [PageKey] = []

    package init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// The oldest key of a full page: a probe needs only keys above it. Nil until the page is full.
    package var floor: PageKey? { limit > 0 && keys.count >= limit ? keys.last : nil }

    /// Whether a name whose newest event is at `latest` (microseconds) can add to the page.
    /// The names come newest first, so the first that cannot ends the page.
    package func needs(latest: Int64) -> Bool {
        guard limit > 0 else { return false }
        guard let floor else { return true }
        return latest >= floor.timestamp
    }

    /// Each name's newest timestamp (microseconds) among `events`: what a write transaction
    /// raises `event_name_latest` to.
    package static func newestTimestamps(of events: [StoredEvent]) -> [String: Int64] {
        var newest: [String: Int64] = [:]
        for stored in events {
            let time = stored.event.timestamp.microseconds
            if let known = newest[stored.event.eventName], known >= time { continue }
            newest[stored.event.eventName] = time
        }
        return newest
    }

    /// Adds a probe's keys (keys already on the page must not be added again).
    package mutating func add(_ more: [PageKey]) {
        guard !more.isEmpty else { return }
        keys = Array((keys + more).sorted(by: >).prefix(limit))
    }
}
