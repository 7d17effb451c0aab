// IdleMemoryRelease: when a worker has had no messages for a while, its store and queue are
// asked once to drop their write caches, so a daemon shrinks back after a burst. Owns only
// the timing; the drivers decide what they drop (EventStore/EventQueue.releaseMemory).

import Synchronization

/// Shared by the loops of one worker. Invariant: at most one release per idle period — a
/// release happens only with no loop holding messages and `after` passed since the last
/// one finished; any new message starts a new period.
final class IdleMemoryRelease: Sendable {
    struct State {
        var lastActivity: ContinuousClock.Instant
        var busyLoops = 0
        var released = false
    }

    let after: Duration
    private let state: Mutex<State>

    init(after: Duration, now: ContinuousClock.Instant = .now) {
        self.after = after
        state = Mutex(State(lastActivity: now))
    }

    /// A loop took messages.
    func working() {
        state.withLock {
            $0.busyLoops += 1
            $0.released = false
        }
    }

    /// A loop is done with its messages (stored, or given up on).
    func finished(at now: ContinuousClock.Instant = .now) {
        state.withLock {
            $0.busyLoops -= 1
            $0.lastActivity = now
        }
    }

    /// True once per idle period, to the first loop that asks after `after` has passed.
    func shouldRelease(at now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock {
            guard !$0.released, $0.busyLoops == 0, now - $0.lastActivity >= after else { return false }
            $0.released = true
            return true
        }
    }
}
