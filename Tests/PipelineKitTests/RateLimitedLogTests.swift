import Testing

@testable import PipelineKit

/// A warning that recurs on every request is logged once, then once per interval with how
/// many were left out.
struct RateLimitedLogTests {
    @Test func theFirstOccurrenceGoesThroughThenOnePerIntervalWithTheSuppressedCount() {
        let log = RateLimitedLog(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(log.admit(at: start) == 0)
        for step in 1...20 {
            #expect(log.admit(at: start + .milliseconds(50 * step)) == nil)
        }
        #expect(log.admit(at: start + .seconds(10)) == 20)
        #expect(log.admit(at: start + .seconds(11)) == nil)
        #expect(log.admit(at: start + .seconds(20)) == 1)
        #expect(log.admit(at: start + .seconds(45)) == 0, "a quiet period logs the next one at once, with nothing suppressed")
    }
}
