// BoundedCache: what a step worked out for a string it sees again and again (a user agent, a
// page URL), kept up to a fixed number of entries, so a client sending a million distinct
// strings costs the memory of `capacity` entries, never more.

import Synchronization

/// A map from strings to values, safe for concurrent use, of at most `capacity` entries: when
/// full, it is emptied and fills again with what is in use (cheaper per hit than tracking
/// recency, and hits are what enrichment does per event).
package final class BoundedCache<Value: Sendable>: Sendable {
    package let capacity: Int
    private let entries: Mutex<[String: Value]>

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries = Mutex([:])
    }

    /// The value for `key`, made by `make` (outside the lock) when absent.
    package func value(for key: String, make: () -> Value) -> Value {
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = make()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }
}
