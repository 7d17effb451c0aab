// Batch: items filtered out on purpose are counted, not rejected, and the count survives
// every way a stage rebuilds a batch.

import PipelineKit
import Testing

@Suite struct BatchTests {
    @Test func keepingCountsWhatItDropsAndKeepsOriginsAndRejections() {
        var batch = Batch(["a", "b", "c", "d"], receivedAt: Timestamp(microseconds: 7), context: IngestContext(source: "native"))
        batch.rejections = [Rejection(index: 9, field: nil, reason: "earlier")]
        let kept = batch.keeping { $0 != "b" && $0 != "d" }
        #expect(kept.items == ["a", "c"])
        #expect(kept.origins == [0, 2])
        #expect(kept.filtered == 2)
        #expect(kept.rejections == batch.rejections, "filtering rejects nothing")
        #expect(kept.receivedAt == Timestamp(microseconds: 7) && kept.context == IngestContext(source: "native"))
        #expect(kept.keeping { _ in false }.filtered == 4, "a second filter adds to the count")
    }

    @Test func theFilteredCountSurvivesEveryRebuild() {
        let filtered = Batch([1, 2, 3], receivedAt: Timestamp(microseconds: 0)).keeping { $0 != 2 }
        #expect(filtered.map { $0 * 10 }.filtered == 1)
        #expect(filtered.replacingItems(["x", "y"]).filtered == 1)
        let rejecting = filtered.compactMap { value -> Result<Int, ItemFailure> in
            value == 3 ? .failure(ItemFailure(field: nil, "three")) : .success(value)
        }
        #expect(rejecting.filtered == 1 && rejecting.rejections.map(\.index) == [2] && rejecting.items == [1])
        #expect(Batch(items: [1], origins: [0], rejections: [], receivedAt: .now(), filtered: 5).filtered == 5)
        #expect(Batch([1]).filtered == 0)
    }
}
