// PostgresBoundedOperation: one database operation that always answers its caller, within a
// deadline, even when postgres-nio never does.
//
// Why: postgres-nio (1.33) hands a query to its channel with `write(task, promise: nil)`. Once
// the channel has closed and its handlers are gone, NIO fails that write silently and the
// query's own promise is dropped, so the query never completes; cancelling the task does not
// help (a query has no cancellation handler). A PostgreSQL restart does exactly that to a write
// in flight: the server ends the session (FATAL 57P01) while the transaction is between two
// statements (the INSERT has answered, the in-transaction stages run), the channel closes, and
// the next statement (or a ROLLBACK, or a BEGIN on a connection the pool handed out as it
// closed) waits forever. So the operation runs in a task of its own, and a watchdog answers
// the caller first when the connection closes under the work or a deadline passes; it closes
// a connection that overran (the pool drops it) and leaves a stuck task behind. While the work
// is sending a COPY, cancelling and closing wait for the COPY to return (PostgresCopyGuard.swift).
//
// Works around: postgres-nio 1.33.x (pinned `.upToNextMinor` in Package.swift). Upstream: no
// issue was found for the dropped promise; report it with PostgresStoreOutageTests as the
// reproduction. Remove when: a release fails a query whose channel closed (the outage tests
// pass with the watchdog's close-detection disabled); the operation deadline stays.

import Foundation
internal import PostgresNIO
import Synchronization

/// Why an operation's watchdog answered its caller.
enum PostgresExpiry: Sendable {
    /// No connection within the lease deadline.
    case noConnection(Duration)
    /// The connection closed while the work ran, and the work did not notice.
    case connectionClosed
    /// The work overran the operation deadline; its connection was closed.
    case timedOut(Duration)
}

/// A store operation's outcome, decided once by whichever comes first: the work's result, the
/// lease deadline, the connection closing under the work, or the operation deadline.
final class PostgresBoundedOperation<Value: Sendable>: Sendable {
    enum Phase: Sendable {
        /// Waiting for a connection.
        case leasing
        /// The work runs on this connection.
        case running(PostgresConnection)
        /// The caller has its answer.
        case decided
    }

    /// How often the watchdog looks at the connection.
    static var tick: Duration { .milliseconds(50) }
    /// How long a closed connection may take to fail its query by itself (with the server's
    /// own message) before the watchdog fails the operation.
    static var closeGrace: Duration { .milliseconds(200) }

    private struct State: Sendable {
        var phase = Phase.leasing
        var continuation: CheckedContinuation<Value, any Error>?
        var pending: Result<Value, any Error>?
        var tasks: Tasks?
    }
    private let state = Mutex(State())
    /// The work's task and the watchdog's.
    struct Tasks: Sendable {
        var worker: Task<Void, Never>
        var watchdog: Task<Void, Never>
    }

    /// Holds back cancelling the work and closing its connection while a COPY sends rows.
    let copyGuard: PostgresCopyGuard

    private init(copies: PostgresCopyCount?) { copyGuard = PostgresCopyGuard(count: copies) }

    /// Runs `work` against the deadlines. `work` must call `begin(on:)` with its connection
    /// before using it, and stop if that returns false (the lease deadline came first).
    /// `failure` turns a deadline or a close into the caller's error.
    static func run(
        leaseTimeout: Duration, operationTimeout: Duration, copies: PostgresCopyCount? = nil, failure: @escaping @Sendable (PostgresExpiry) -> any Error,
        _ work: @escaping @Sendable (PostgresBoundedOperation<Value>) async throws -> Value
    ) async throws -> Value {
        let operation = PostgresBoundedOperation<Value>(copies: copies)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                operation.install(continuation)
                let worker = Task {
                    await PostgresCopyGuard.$current.withValue(operation.copyGuard) {
                        do {
                            operation.decide(.success(try await work(operation)))
                        } catch {
                            operation.decide(.failure(error))
                        }
                    }
                }
                let watchdog = Task {
                    await operation.watch(leaseTimeout: min(leaseTimeout, operationTimeout), operationTimeout: operationTimeout, failure: failure)
                }
                operation.track(Tasks(worker: worker, watchdog: watchdog))
            }
        } onCancel: {
            operation.decide(.failure(CancellationError()))
        }
    }

    /// True if the work may use `connection` (the lease came before its deadline).
    func begin(on connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard case .leasing = state.phase else { return false }
            state.phase = .running(connection)
            return true
        }
    }

    private func install(_ continuation: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = state.withLock { state in
            if let pending = state.pending { return pending }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    private func track(_ started: Tasks) {
        let decided = state.withLock { state in
            if case .decided = state.phase { return true }
            state.tasks = started
            return false
        }
        if decided { stop(started) }
    }

    /// Answers the caller unless it already has its answer; true if this call decided. Cancels
    /// the work (a lease request still waiting is withdrawn; a COPY sending rows finishes
    /// first) and the watchdog.
    @discardableResult
    func decide(_ result: Result<Value, any Error>, onlyWhile expected: ((Phase) -> Bool)? = nil) -> Bool {
        let decision: (CheckedContinuation<Value, any Error>?, Tasks?)? = state.withLock { state in
            if case .decided = state.phase { return nil }
            if let expected, !expected(state.phase) { return nil }
            state.phase = .decided
            let waiting = state.continuation
            state.continuation = nil
            if waiting == nil { state.pending = result }
            defer { state.tasks = nil }
            return (waiting, state.tasks)
        }
        guard let (continuation, tasks) = decision else { return false }
        continuation?.resume(with: result)
        if let tasks { stop(tasks) }
        return true
    }

    /// Cancels the watchdog now and the work once no COPY of it is sending rows.
    private func stop(_ tasks: Tasks) {
        tasks.watchdog.cancel()
        copyGuard.interrupt { tasks.worker.cancel() }
    }

    private var current: Phase { state.withLock { $0.phase } }

    private func watch(leaseTimeout: Duration, operationTimeout: Duration, failure: @Sendable (PostgresExpiry) -> any Error) async {
        let clock = ContinuousClock()
        let start = clock.now
        var closedSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: Self.tick)
            } catch {
                return
            }
            let elapsed = clock.now - start
            switch current {
            case .decided:
                return
            case .leasing:
                if elapsed >= leaseTimeout {
                    decide(.failure(failure(.noConnection(leaseTimeout))), onlyWhile: { if case .leasing = $0 { true } else { false } })
                }
            case .running(let connection):
                if connection.isClosed {
                    let since = closedSince ?? clock.now
                    closedSince = since
                    if clock.now - since >= Self.closeGrace {
                        decide(.failure(failure(.connectionClosed)))
                        return
                    }
                }
                if elapsed >= operationTimeout {
                    if decide(.failure(failure(.timedOut(operationTimeout)))) {
                        // The work may be stuck on it: the pool must not hand it out again.
                        copyGuard.interrupt { Task { try? await connection.close() } }
                    }
                    return
                }
            }
        }
    }
}
