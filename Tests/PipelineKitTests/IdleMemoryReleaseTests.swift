import Testing

@testable import PipelineKit

@Suite struct IdleMemoryReleaseTests {
    let start = ContinuousClock.now

    @Test func releasesOncePerIdlePeriodAndOnlyWhenNoLoopHoldsMessages() {
        let idle = IdleMemoryRelease(after: .seconds(10), now: start)
        #expect(!idle.shouldRelease(at: start + .seconds(9)))
        idle.working()
        // A loop still storing a slow batch: never release under it.
        #expect(!idle.shouldRelease(at: start + .seconds(60)))
        idle.finished(at: start + .seconds(60))
        #expect(!idle.shouldRelease(at: start + .seconds(69)))
        #expect(idle.shouldRelease(at: start + .seconds(70)))
        #expect(!idle.shouldRelease(at: start + .seconds(200)), "a second release in the same idle period")
        // New messages start a new period.
        idle.working()
        idle.finished(at: start + .seconds(300))
        #expect(idle.shouldRelease(at: start + .seconds(310)))
    }

    @Test func twoLoopsMustBothBeIdle() {
        let idle = IdleMemoryRelease(after: .seconds(1), now: start)
        idle.working()
        idle.working()
        idle.finished(at: start + .seconds(1))
        #expect(!idle.shouldRelease(at: start + .seconds(5)))
        idle.finished(at: start + .seconds(5))
        #expect(idle.shouldRelease(at: start + .seconds(6)))
    }
}
