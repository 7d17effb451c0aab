// PostgresCopyGuard on its own (no server): an interruption asked for while a COPY runs waits
// for the COPY to return, and none starts after one was asked for.

import Foundation
import Testing

@testable import Stages

struct PostgresCopyGuardTests {
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String] = []
        func add(_ entry: String) { lock.withLock { entries.append(entry) } }
        var all: [String] { lock.withLock { entries } }
    }

    @Test func anInterruptionDuringACopyRunsWhenTheCopyReturns() async throws {
        let copyGuard = PostgresCopyGuard()
        let log = Log()
        try await PostgresCopyGuard.$current.withValue(copyGuard) {
            try await PostgresCopyGuard.copy {
                copyGuard.interrupt { log.add("cancel") }
                copyGuard.interrupt { log.add("close") }
                log.add("copy still running")
            }
            log.add("after copy")
        }
        #expect(log.all == ["copy still running", "cancel", "close", "after copy"])
    }

    @Test func anInterruptionDuringAFailingCopyRunsWhenItThrows() async {
        struct CopyFailed: Error {}
        let copyGuard = PostgresCopyGuard()
        let log = Log()
        await PostgresCopyGuard.$current.withValue(copyGuard) {
            await #expect(throws: CopyFailed.self) {
                try await PostgresCopyGuard.copy {
                    copyGuard.interrupt { log.add("close") }
                    log.add("copy failing")
                    throw CopyFailed()
                }
            }
        }
        #expect(log.all == ["copy failing", "close"])
    }

    @Test func outsideACopyAnInterruptionRunsAtOnceAndNoCopyStartsAfterIt() async {
        let copyGuard = PostgresCopyGuard()
        let log = Log()
        copyGuard.interrupt { log.add("close") }
        #expect(log.all == ["close"])
        await PostgresCopyGuard.$current.withValue(copyGuard) {
            await #expect(throws: CancellationError.self) {
                try await PostgresCopyGuard.copy { log.add("copy started") }
            }
        }
        #expect(log.all == ["close"])
    }

    @Test func withoutAGuardACopyJustRuns() async throws {
        #expect(try await PostgresCopyGuard.copy { 42 } == 42)
    }
}
