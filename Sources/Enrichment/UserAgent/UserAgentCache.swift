// UserAgentCache: parsed user agents by their string, bounded in entries and in bytes, safe
// to share between the enrich step's concurrent tasks.

import Synchronization

/// Parsed user agents by User-Agent string, for the enrich step to parse each distinct
/// string once. Safe to use from any number of tasks at once (one `Mutex`; a miss parses
/// outside it).
///
/// Bounded: two generations of at most `capacity / 2` entries each. Lookups look in the
/// recent one, then the older one (moving a hit back into the recent one); when the recent
/// one is full it becomes the older one and the older one is dropped. So a string asked for
/// again within `capacity / 2` new strings stays cached, and a flood of distinct strings
/// keeps at most `capacity` entries. The key is the string itself, exactly as parsed: a
/// string longer than `UserAgent.scannedByteLimit` bytes is keyed (and parsed) by that
/// prefix, so no entry holds more than that many bytes of key.
public final class UserAgentCache: Sendable {
    private struct Generations {
        var recent: [String: UserAgent]
        var older: [String: UserAgent] = [:]
    }

    /// The most entries the cache holds: the capacity it was made with, at least 2, rounded
    /// down to an even number.
    public let capacity: Int
    private let generationLimit: Int
    private let generations: Mutex<Generations>

    /// A cache holding at most `capacity` parsed user agents (at least 2).
    public init(capacity: Int = 4096) {
        generationLimit = max(capacity / 2, 1)
        self.capacity = generationLimit * 2
        generations = Mutex(Generations(recent: Dictionary(minimumCapacity: generationLimit)))
    }

    /// How many parsed user agents the cache holds now.
    public var count: Int { generations.withLock { $0.recent.count + $0.older.count } }

    /// The parsed `text`: the cached result when there is one, else `UserAgent(parsing:)`,
    /// which is then cached. Always equal to `UserAgent(parsing: text)`.
    public func userAgent(for text: String) -> UserAgent {
        let key = Self.key(for: text)
        // A dictionary a lookup retires comes back out of the lock and is freed after it.
        let (cached, _) = generations.withLock { generations -> (UserAgent?, [String: UserAgent]?) in
            if let hit = generations.recent[key] { return (hit, nil) }
            guard let hit = generations.older.removeValue(forKey: key) else { return (nil, nil) }
            return (hit, Self.insert(hit, for: key, into: &generations, limit: generationLimit))
        }
        if let cached { return cached }
        let parsed = UserAgent(parsing: key)
        _ = generations.withLock { Self.insert(parsed, for: key, into: &$0, limit: generationLimit) }
        return parsed
    }

    /// Inserts into the recent generation, first retiring it when full; returns the older
    /// generation it dropped, for the caller to free outside the lock.
    private static func insert(
        _ userAgent: UserAgent, for key: String, into generations: inout Generations, limit: Int
    ) -> [String: UserAgent]? {
        var dropped: [String: UserAgent]?
        if generations.recent.count >= limit, generations.recent[key] == nil {
            dropped = generations.older
            generations.older = generations.recent
            generations.recent = Dictionary(minimumCapacity: limit)
        }
        generations.recent[key] = userAgent
        return dropped
    }

    /// The part of `text` that `UserAgent(parsing:)` reads: all of it, or its first
    /// `UserAgent.scannedByteLimit` bytes cut back to a whole character.
    static func key(for text: String) -> String {
        guard text.utf8.count > UserAgent.scannedByteLimit else { return text }
        let length =
            text.utf8.withContiguousStorageIfAvailable { UserAgentText.prefixLength(of: $0) }
            ?? Array(text.utf8.prefix(UserAgent.scannedByteLimit + 1)).withUnsafeBufferPointer { UserAgentText.prefixLength(of: $0) }
        return String(decoding: text.utf8.prefix(length), as: UTF8.self)
    }
}
