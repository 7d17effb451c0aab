// Readiness: what this process has seen of its queue and store — the last publish, the last
// store write, each with its time — kept so `GET /readyz` and `GET /healthz` answer from
// memory plus a cheap probe, never from a check of their own per request. Owns only the
// bookkeeping; the HTTP layer decides the answer.

import Synchronization

/// The queue and store outcomes the ingest path and the worker observed.
///
/// Invariants: a failure is remembered from its first occurrence (`since`) until a later
/// success of the same kind clears it. Recording a successful publish while nothing failed
/// costs one relaxed atomic load: it runs on every ingest request. Store outcomes take a lock,
/// once per store transaction.
public final class Readiness: Sendable {
    /// A dependency that is failing: since when, and its last error (for the process's own
    /// answers; may name the dependency's files, never their absolute paths).
    public struct Failure: Sendable, Hashable {
        /// The first failure since the last success.
        public var since: ContinuousClock.Instant
        /// The latest failure.
        public var last: ContinuousClock.Instant
        /// The latest failure's text.
        public var message: String
    }

    struct State {
        var publish: Failure?
        var store: Failure?
        /// The last time the worker stored a group or found the queue empty.
        var storeProgress: ContinuousClock.Instant
    }

    private let publishFailing = Atomic<Bool>(false)
    private let state: Mutex<State>

    /// Nothing failed yet; the worker counts as having made progress at `now`.
    public init(now: ContinuousClock.Instant = .now) {
        state = Mutex(State(storeProgress: now))
    }

    /// The queue took a publish. Called by the ingest path on every accepted request.
    public func publishSucceeded() {
        guard publishFailing.load(ordering: .relaxed) else { return }
        state.withLock { $0.publish = nil }
        publishFailing.store(false, ordering: .relaxed)
    }

    /// The queue refused a publish with `message` (client-safe text).
    public func publishFailed(_ message: String, at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.publish = Failure(since: $0.publish?.since ?? now, last: now, message: message) }
        publishFailing.store(true, ordering: .relaxed)
    }

    /// The last publish failure, when no publish succeeded since.
    public var publishFailure: Failure? {
        guard publishFailing.load(ordering: .relaxed) else { return nil }
        return state.withLock { $0.publish }
    }

    /// The worker's store transaction committed. Called once per transaction.
    public func storeSucceeded(at now: ContinuousClock.Instant = .now) {
        state.withLock {
            $0.store = nil
            $0.storeProgress = now
        }
    }

    /// The worker found nothing to store: it is not behind, whatever the last write's age.
    public func workerIdle(at now: ContinuousClock.Instant = .now) {
        state.withLock { $0.storeProgress = now }
    }

    /// A store write failed in a way the worker retries (an outage, a timeout).
    public func storeFailed(_ message: String, at now: ContinuousClock.Instant = .now) {
        // Bounded: a driver error may quote a whole statement.
        let text = String(message.prefix(300))
        state.withLock { $0.store = Failure(since: $0.store?.since ?? now, last: now, message: text) }
    }

    /// Why the worker is behind, or nil: a store write failed and none succeeded since, or the
    /// worker has neither stored nor found the queue empty for longer than `stall`.
    public func storeBehind(stall: Duration, now: ContinuousClock.Instant = .now) -> String? {
        let (failure, progress) = state.withLock { ($0.store, $0.storeProgress) }
        if let failure {
            return "store writes failing for \(Self.seconds(now - failure.since)) s: \(failure.message)"
        }
        let quiet = now - progress
        if quiet > stall {
            return "no store write for \(Self.seconds(quiet)) s while messages wait (bound \(Self.seconds(stall)) s)"
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> Int { Int(duration.components.seconds) }
}
