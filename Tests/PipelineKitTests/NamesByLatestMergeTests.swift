// NamesByLatestMerge: reading names newest first and stopping at the first that cannot add to
// a full page gives exactly the newest `limit` keys of all runs, and the first page probes at
// most `limit` + 1 names however many there are.

import PipelineKit
import Testing

@Suite struct NamesByLatestMergeTests {
    /// The plan as a store runs it: names by their newest key (ties in any fixed order), each
    /// probed for its newest `limit` keys below `after` and above the floor.
    static func page(_ runs: [[PageKey]], limit: Int, after: PageKey? = nil) -> (keys: [PageKey], probes: Int) {
        var merge = NamesByLatestMerge(limit: limit)
        var probes = 0
        let byLatest = runs.filter { !$0.isEmpty }.sorted { ($0[0].timestamp, $0[0].id) > ($1[0].timestamp, $1[0].id) }
        for run in byLatest {
            guard merge.needs(latest: run[0].timestamp) else { break }
            probes += 1
            let floor = merge.floor
            merge.add(Array(run.filter { key in after.map { key < $0 } ?? true }.filter { key in floor.map { key > $0 } ?? true }.prefix(limit)))
        }
        return (merge.keys, probes)
    }

    @Test(arguments: [1, 3, 20, 300, 5000])
    func namesNewestFirstGiveTheNewestKeysOfAllRuns(runCount: Int) {
        var random = SplitMix(seed: UInt64(runCount))
        for _ in 0..<20 {
            // Runs of skewed lengths over a narrow time range, so timestamps tie across runs.
            var nextID: Int64 = 0
            let runs: [[PageKey]] = (0..<runCount).map { _ in
                let length = random.next() % 4 == 0 ? Int(random.next() % 200) : Int(1 + random.next() % 3)
                return (0..<length).map { _ in
                    nextID += 1
                    return PageKey(timestamp: Int64(random.next() % 500), id: nextID)
                }.sorted(by: >)
            }
            let limit = 1 + Int(random.next() % 120)
            let all = runs.joined().sorted(by: >)
            let first = Self.page(runs, limit: limit)
            #expect(first.keys == Array(all.prefix(limit)), "runs \(runCount), limit \(limit)")
            // Each key of a full first page is one name's; ties at the floor's timestamp may add a few.
            let tiedAtFloor = first.keys.count == limit ? runs.filter { $0.first?.timestamp == first.keys.last?.timestamp }.count : 0
            #expect(first.probes <= min(runCount, limit + 1 + tiedAtFloor), "runs \(runCount), limit \(limit)")
            // A later page, after a cursor, is exact too.
            if let cursor = first.keys.last {
                let second = Self.page(runs, limit: limit, after: cursor)
                #expect(second.keys == Array(all.filter { $0 < cursor }.prefix(limit)))
            }
        }
    }

    @Test func noNamesOrNoLimitGiveAnEmptyPage() {
        #expect(Self.page([], limit: 10).keys.isEmpty)
        #expect(Self.page([[PageKey(timestamp: 1, id: 1)]], limit: 0) == ([], 0))
    }
}
