// Rollup updates of the postgres store, inside the write transaction: the deltas of a batch
// merged into one set of rows, applied with three set-based statements (buckets with their
// new users, per-name totals, persons with the grand totals). Rows are taken in key order so
// concurrent writers never lock the same rows in opposite orders.

import PipelineKit
internal import PostgresNIO

/// The deltas of one transaction, merged by key.
struct RollupChanges {
    struct BucketKey: Hashable {
        var interval: RollupDelta.Interval
        var start: Int64
        var eventName: String
    }

    var buckets: [BucketKey: (events: Int64, users: Set<String>)] = [:]
    var eventsPerName: [String: Int64] = [:]
    var totalEvents: Int64 = 0
    var users: [String: (first: Int64, last: Int64)] = [:]

    init(_ deltas: [RollupDelta]) {
        for delta in deltas where delta.totalEvents > 0 {
            totalEvents += Int64(delta.totalEvents)
            for (interval, buckets) in delta.buckets {
                for bucket in buckets {
                    let key = BucketKey(interval: interval, start: bucket.start.microseconds, eventName: bucket.eventName)
                    // A key seen first takes the delta's set as it is, without hashing its users again.
                    if self.buckets[key] == nil {
                        self.buckets[key] = (Int64(bucket.events), Set(bucket.users))
                    } else {
                        self.buckets[key]?.events += Int64(bucket.events)
                        self.buckets[key]?.users.formUnion(bucket.users)
                    }
                }
            }
            // Per-name totals from one interval's buckets, as the SQLite store counts them.
            for bucket in delta.buckets[.day] ?? delta.buckets[.hour] ?? [] where bucket.eventName != AggregateStage.allEvents {
                eventsPerName[bucket.eventName, default: 0] += Int64(bucket.events)
            }
            for (user, seen) in delta.users {
                let first = seen.lowerBound.microseconds
                let last = seen.upperBound.microseconds
                if let known = users[user] {
                    users[user] = (min(known.first, first), max(known.last, last))
                } else {
                    users[user] = (first, last)
                }
            }
        }
    }
}

extension PostgresStore {
    /// Buckets arrive as arrays with a 1-based slot each; the batch's new (bucket, user) pairs
    /// as user ids with their bucket's slot. A pair's key is a hash of its text (see
    /// migrations/007_bucket_user_keys.sql, which must build the same text).
    static let bucketsSQL = """
        WITH b AS (
            SELECT * FROM unnest($3::text[], $4::int8[], $5::text[], $6::int8[]) WITH ORDINALITY AS b (period, bucket, event_name, events, slot)
        ), pairs AS (
            SELECT hashtextextended(b.period || b.bucket::text || ':' || length(b.event_name) || ':' || b.event_name || u.user_id, 0) AS key, u.slot
            FROM unnest($1::text[], $2::int8[]) AS u (user_id, slot) JOIN b USING (slot)
        ), new_users AS (
            INSERT INTO rollup_bucket_user_keys (key) SELECT key FROM pairs ORDER BY key
            ON CONFLICT DO NOTHING
            RETURNING key
        ), counted AS (
            SELECT pairs.slot, COUNT(*) AS users FROM new_users JOIN pairs USING (key) GROUP BY pairs.slot
        )
        INSERT INTO rollup_buckets AS r (period, bucket, event_name, events, users)
        SELECT b.period, \(timestamp("b.bucket")), b.event_name, b.events, COALESCE(c.users, 0)
        FROM b LEFT JOIN counted c USING (slot)
        ORDER BY b.period, b.event_name, b.bucket
        ON CONFLICT (period, event_name, bucket) DO UPDATE SET events = r.events + excluded.events, users = r.users + excluded.users
        """

    static let eventTotalsSQL = """
        INSERT INTO rollup_event_totals AS t (event_name, events)
        SELECT n.event_name, n.events FROM unnest($1::text[], $2::int8[]) AS n (event_name, events)
        ORDER BY n.event_name
        ON CONFLICT (event_name) DO UPDATE SET events = t.events + excluded.events
        """

    /// New persons are the rows the upsert inserted (`xmax = 0`); they add to the unique users.
    static let personsAndTotalsSQL = """
        WITH touched AS (
            INSERT INTO persons AS p (user_id, first_seen, last_seen)
            SELECT u.user_id, \(timestamp("u.first_seen")), \(timestamp("u.last_seen"))
            FROM unnest($1::text[], $2::int8[], $3::int8[]) AS u (user_id, first_seen, last_seen)
            ORDER BY u.user_id
            ON CONFLICT (user_id) DO UPDATE
                SET first_seen = LEAST(p.first_seen, excluded.first_seen), last_seen = GREATEST(p.last_seen, excluded.last_seen)
                WHERE excluded.first_seen < p.first_seen OR excluded.last_seen > p.last_seen
            RETURNING (xmax = 0) AS is_new
        )
        UPDATE rollup_totals SET events = events + $4, users = users + (SELECT COUNT(*) FROM touched WHERE is_new) WHERE id = 1
        """

    /// Applies the changes; returns the bucket-user keys (`BucketUserKey`) of every pair the
    /// transaction counted or found counted, for the caller to remember once it has committed.
    /// Pairs `known` to be counted are not sent.
    static func apply(
        _ changes: RollupChanges, known: KnownBucketUsers, on connection: PostgresConnection, logger: Logger
    ) async throws
        -> [Int64]
    {
        guard changes.totalEvents > 0 else { return [] }
        var seen: [Int64] = []
        if !changes.buckets.isEmpty {
            var users: (ids: [String], slots: [Int64]) = ([], [])
            var buckets: (periods: [String], starts: [Int64], names: [String], events: [Int64]) = ([], [], [], [])
            for (key, value) in changes.buckets {
                buckets.periods.append(key.interval.rawValue)
                buckets.starts.append(key.start)
                buckets.names.append(key.eventName)
                buckets.events.append(value.events)
                let slot = Int64(buckets.periods.count)
                let pairs = value.users.map { user in
                    (user: user, key: BucketUserKey.make(interval: key.interval.rawValue, bucket: key.start, eventName: key.eventName, userID: user))
                }
                for pair in known.unknown(pairs, key: \.key) {
                    users.ids.append(pair.user)
                    users.slots.append(slot)
                }
                seen += pairs.map(\.key)
            }
            var binds = PostgresBindings(capacity: 6)
            binds.append(users.ids)
            binds.append(users.slots)
            binds.append(buckets.periods)
            binds.append(buckets.starts)
            binds.append(buckets.names)
            binds.append(buckets.events)
            try await connection.query(PostgresQuery(unsafeSQL: bucketsSQL, binds: binds), logger: logger)
        }
        if !changes.eventsPerName.isEmpty {
            var binds = PostgresBindings(capacity: 2)
            binds.append(Array(changes.eventsPerName.keys))
            binds.append(Array(changes.eventsPerName.values))
            try await connection.query(PostgresQuery(unsafeSQL: eventTotalsSQL, binds: binds), logger: logger)
        }
        var persons: (ids: [String], first: [Int64], last: [Int64]) = ([], [], [])
        for (user, seen) in changes.users {
            persons.ids.append(user)
            persons.first.append(seen.first)
            persons.last.append(seen.last)
        }
        var binds = PostgresBindings(capacity: 4)
        binds.append(persons.ids)
        binds.append(persons.first)
        binds.append(persons.last)
        binds.append(changes.totalEvents)
        try await connection.query(PostgresQuery(unsafeSQL: personsAndTotalsSQL, binds: binds), logger: logger)
        return seen
    }
}
