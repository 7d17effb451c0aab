// PostgresCopyGuard: holds an operation's interruptions (cancelling its task, closing its
// connection) back while one of its COPY FROM STDIN statements is sending rows.
//
// Why: postgres-nio 1.33 traps (preconditionFailure) when a COPY is interrupted from the client
// side. Closing the connection while rows are being sent fails in
// `ConnectionStateMachine.closeConnectionAndCleanup` ("Invalid query state machine action …
// wait"). Cancelling the task while the writer waits for the socket to drain makes the library
// close the connection itself, and the `CopyFail` that `copyFrom` then sends fails in
// `sendCopyFail` ("Copy mode is only supported for extended queries"). (Server-side closes
// reach the same trap another way; PostgresCopyWriting keeps those off it.) So while a COPY
// runs, an operation's watchdog only asks; what it asks for runs as soon as the COPY returns,
// and no later COPY of that operation starts. The window opens when the
// COPY statement is sent, not when rows start: a close while the server has not yet accepted
// the COPY (it waits for a lock, say) would be safe by itself, but the server's go-ahead can
// arrive between the check and the close. A COPY that never returns (a network that stopped
// carrying bytes) keeps its task and its pooled connection until the connection ends; the
// operation's caller has its answer at its deadline all the same.
//
// Works around: postgres-nio 1.33.x (pinned `.upToNextMinor` in Package.swift). Upstream: no
// issue was found for these traps; `copyFrom` arrived with vapor/postgres-nio#566, and the
// traps should be reported there with PostgresCopyGuardTests as the reproduction. Remove
// when: a postgres-nio release fails a COPY interrupted from the client with an error
// instead of a trap (PostgresStalledCopyTests and PostgresEndedCopyTests, run without this
// guard, tell).

import Foundation
import Synchronization

/// COPY statements in flight on one store's connections: its pool must not close them at
/// shutdown either (`PostgresStore.run`).
final class PostgresCopyCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}

final class PostgresCopyGuard: Sendable {
    /// The guard of the bounded operation whose work runs in this task.
    @TaskLocal static var current: PostgresCopyGuard?
    /// The store's count of COPYs in flight, if the operation runs on a store's pool.
    let count: PostgresCopyCount?

    init(count: PostgresCopyCount? = nil) { self.count = count }

    private struct State {
        var copying = false
        var interrupted = false
        var pending: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    /// Runs `copy` (one `copyFrom`) under the current operation's guard. Throws
    /// `CancellationError` without starting it once the operation has been interrupted.
    static func copy<Value>(_ copy: () async throws -> Value) async throws -> Value {
        guard let current else { return try await copy() }
        try current.enter()
        current.count?.add(1)
        defer {
            current.count?.add(-1)
            current.leave()
        }
        return try await copy()
    }

    /// Runs `action` now, or as soon as the COPY in progress returns.
    func interrupt(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            state.interrupted = true
            guard state.copying else { return true }
            state.pending.append(action)
            return false
        }
        if now { action() }
    }

    private func enter() throws {
        try state.withLock { state in
            if state.interrupted { throw CancellationError() }
            state.copying = true
        }
    }

    private func leave() {
        let actions = state.withLock { state in
            state.copying = false
            defer { state.pending = [] }
            return state.pending
        }
        actions.forEach { $0() }
    }
}
