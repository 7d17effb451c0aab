// NewestKeysMerge: the plan both stores follow for a page of every event name without an index
// on (timestamp, id). Pure logic over keys; the stores run its two rounds of index reads.
//
// Each event name's run of the (event_name, timestamp, id) index is read newest first. Reading
// `limit` keys of every run costs names × limit (100,000 keys for a page of 100 over 1,000 names);
// this reads a few of each, and more only from the runs that may hold keys of the page:
//
//   round 1: the newest `perRun` keys of every run
//   floor:   the `limit`-th newest key read (none if fewer were read)
//   round 2: from each run that gave `perRun` keys, its oldest at or above the floor, the keys
//            after that one down to the floor (down to the end of the run without a floor)
//   page:    the newest `limit` keys of both rounds
//
// Why it is exact: at least `limit` keys at or above the floor exist, so every key of the page
// is at or above it. A run that gave fewer than `perRun` keys, or whose oldest one read is
// below the floor, has no unread key at or above it; round 2 reads all the others.

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

package enum NewestKeysMerge {
    /// Keys round 1 reads from each of `runs` runs: about two pages' worth in all.
    package static func perRun(limit: Int, runs: Int) -> Int {
        guard runs > 0 else { return limit }
        return min(limit, max(1, (2 * limit + runs - 1) / runs))
    }

    /// What round 2 must read, given round 1's keys of each run (newest first).
    package struct SecondRound: Sendable {
        /// The page's keys so far, newest first (at most `limit`).
        package var keys: [PageKey]
        /// The oldest key a page may hold, if round 1 read at least `limit` keys.
        package var floor: PageKey?
        /// Runs (by index) that may hold more keys at or above the floor, each with the oldest key it gave.
        package var unfinished: [(run: Int, after: PageKey)]
    }

    package static func afterFirstRound(_ runs: [[PageKey]], perRun: Int, limit: Int) -> SecondRound {
        let read = runs.joined().sorted(by: >)
        let floor = read.count >= limit && limit > 0 ? read[limit - 1] : nil
        var unfinished: [(run: Int, after: PageKey)] = []
        for (index, run) in runs.enumerated() where run.count >= perRun {
            guard let oldest = run.last else { continue }
            if let floor, oldest < floor { continue }
            unfinished.append((index, oldest))
        }
        return SecondRound(keys: Array(read.prefix(limit)), floor: floor, unfinished: unfinished)
    }

    /// The page: the newest `limit` of round 1's keys and round 2's (which are all new).
    package static func page(_ round: SecondRound, more: [PageKey], limit: Int) -> [PageKey] {
        guard !more.isEmpty else { return round.keys }
        return Array((round.keys + more).sorted(by: >).prefix(limit))
    }
}
