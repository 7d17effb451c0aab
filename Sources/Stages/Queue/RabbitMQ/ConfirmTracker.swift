// ConfirmTracker: the publishes on one confirm-mode channel that still wait for the broker's
// basic.ack / basic.nack. Owns sequence numbers, the `multiple` rule and confirm deadlines.

import PipelineKit

/// Outstanding publisher confirms of one channel. Shared between the connection thread
/// (register, settle) and the link's watchdog (expire), hence the lock.
final class ConfirmTracker: Sendable {
    struct Entry: Sendable {
        var continuation: CheckedContinuation<Void, any Error>
        var deadline: ContinuousClock.Instant
        /// Set when the broker returned the message as unroutable (its ack then means nothing).
        var returned: String?
        /// For a dead-letter publish: the delivery to acknowledge once this is confirmed.
        var originalTag: UInt64?
    }

    private struct State {
        var pending: [UInt64: Entry] = [:]
        /// Every sequence number below this one is settled.
        var floor: UInt64 = 1
        var nextSequence: UInt64 = 1
    }

    private let state = LockedState(State())

    /// Starts numbering from 1 again (a new channel in confirm mode); returns what was left.
    func reset() -> [Entry] {
        state.withLock { state in
            let left = Array(state.pending.values)
            state = State()
            return left
        }
    }

    /// Records a publish about to be sent; returns its sequence number on the channel.
    func register(_ continuation: CheckedContinuation<Void, any Error>, timeout: Duration, originalTag: UInt64? = nil) -> UInt64 {
        let deadline = ContinuousClock.now + timeout
        return state.withLock { state in
            let sequence = state.nextSequence
            state.nextSequence += 1
            state.pending[sequence] = Entry(continuation: continuation, deadline: deadline, originalTag: originalTag)
            return sequence
        }
    }

    /// Marks a publish the broker handed back with basic.return.
    func markReturned(_ sequence: UInt64, reason: String) {
        state.withLock { $0.pending[sequence]?.returned = reason }
    }

    /// Removes and returns the publishes a basic.ack / basic.nack settles.
    func settle(_ tag: UInt64, multiple: Bool) -> [Entry] {
        state.withLock { state in
            guard multiple else { return state.pending.removeValue(forKey: tag).map { [$0] } ?? [] }
            var settled: [Entry] = []
            if tag >= state.floor {
                for sequence in state.floor...tag {
                    if let entry = state.pending.removeValue(forKey: sequence) { settled.append(entry) }
                }
                state.floor = tag + 1
            }
            return settled
        }
    }

    /// Removes and returns every publish whose deadline passed.
    func expire(now: ContinuousClock.Instant) -> [Entry] {
        state.withLock { state in
            let expired = state.pending.filter { $0.value.deadline <= now }
            for sequence in expired.keys { state.pending.removeValue(forKey: sequence) }
            return Array(expired.values)
        }
    }

    /// Removes and returns everything (the connection is gone).
    func removeAll() -> [Entry] {
        state.withLock { state in
            let all = Array(state.pending.values)
            state.pending = [:]
            return all
        }
    }

    var isEmpty: Bool { state.withLock { $0.pending.isEmpty } }
}

extension ConfirmTracker.Entry {
    /// Fails the publish: the caller must treat its message as not taken.
    func fail(_ message: String) {
        continuation.resume(throwing: PipelineError(.queueUnavailable, message))
    }
}
