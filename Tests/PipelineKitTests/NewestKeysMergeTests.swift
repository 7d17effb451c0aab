// NewestKeysMerge: its two rounds give exactly the newest `limit` keys of all runs, whatever the
// number of runs, their lengths and the limit, and read no run in full without need.

import PipelineKit
import Testing

@Suite struct NewestKeysMergeTests {
    @Test(arguments: [1, 3, 20, 300])
    func twoRoundsGiveTheNewestKeysOfAllRuns(runCount: Int) {
        var random = SplitMix(seed: UInt64(runCount))
        for _ in 0..<50 {
            // Runs of skewed lengths over a narrow time range, so timestamps tie across runs.
            var nextID: Int64 = 0
            let runs: [[PageKey]] = (0..<runCount).map { _ in
                let length = random.next() % 4 == 0 ? Int(random.next() % 200) : Int(random.next() % 4)
                return (0..<length).map { _ in
                    nextID += 1
                    return PageKey(timestamp: Int64(random.next() % 50), id: nextID)
                }.sorted(by: >)
            }
            let limit = 1 + Int(random.next() % 120)
            let perRun = NewestKeysMerge.perRun(limit: limit, runs: runCount)
            let round = NewestKeysMerge.afterFirstRound(runs.map { Array($0.prefix(perRun)) }, perRun: perRun, limit: limit)
            // Round 2 as a store runs it: after the oldest key read, down to the floor.
            var more: [PageKey] = []
            for (run, after) in round.unfinished {
                more += runs[run].filter { key in key < after && round.floor.map { key >= $0 } ?? true }.prefix(limit)
            }
            let page = NewestKeysMerge.page(round, more: more, limit: limit)
            #expect(page == Array(runs.joined().sorted(by: >).prefix(limit)), "runs \(runCount), limit \(limit)")
            // Only runs that may reach into the page are read again.
            #expect(round.unfinished.count <= min(runCount, limit))
        }
    }

    @Test func noRunsGiveAnEmptyPage() {
        let round = NewestKeysMerge.afterFirstRound([], perRun: NewestKeysMerge.perRun(limit: 10, runs: 0), limit: 10)
        #expect(round.keys.isEmpty && round.floor == nil && round.unfinished.isEmpty)
        #expect(NewestKeysMerge.page(round, more: [], limit: 10).isEmpty)
    }
}
