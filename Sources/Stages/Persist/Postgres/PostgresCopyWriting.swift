// PostgresCopyWriting: the one way this store runs COPY FROM STDIN. It sends prepared rows
// through postgres-nio's `copyFrom` without ever calling into a connection the library is
// closing, and under the operation's PostgresCopyGuard.
//
// Why: postgres-nio 1.33 traps (preconditionFailure, "Copy mode is only supported for extended
// queries") when a COPY writer call (`write`, or the `CopyDone`/`CopyFail` that `copyFrom`
// sends after the rows) reaches the connection's handler after its state machine has seen the
// connection close but before NIO has removed the handler, which it does one event-loop turn
// later. A server ending the session mid-COPY (a PostgreSQL restart, pg_terminate_backend)
// opens that window: the next call, or the `CopyFail` after the failed write, lands in it.
//
// How: the COPY runs on the connection's own event loop (a task executor preference), so the
// check of `isClosed` and the library call after it happen in one event-loop turn, with no
// channel event between them. When the channel is closed, the writer waits for `closeFuture`,
// which NIO completes in the turn that removes the handlers; the library's calls from then on
// fail with "connection closed" instead of trapping. Assumes a close that is not deferred by
// another handler in the pipeline: with TLS, a close waits for the TLS shutdown while the
// channel still reads as active.

internal import NIOCore
import PipelineKit
internal import PostgresNIO

enum PostgresCopyWriting {
    /// COPYs `chunks` (COPY text) into `columns` of `table`.
    static func copy(
        _ chunks: [ByteBuffer], into table: String, columns: [String], on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await PostgresCopyGuard.copy {
            try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.eventLoop)) {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    do {
                        for chunk in chunks {
                            try await settleIfClosed(connection)
                            try await writer.write(chunk)
                        }
                        // `copyFrom` sends CopyDone next, in this event-loop turn.
                        try await settleIfClosed(connection)
                    } catch {
                        // `copyFrom` sends CopyFail next, in this event-loop turn.
                        try? await settleIfClosed(connection)
                        throw error
                    }
                }
            }
        }
    }

    /// Returns at once while `connection` is open; once it is closed, waits until its handlers
    /// are gone and throws.
    private static func settleIfClosed(_ connection: PostgresConnection) async throws {
        guard connection.isClosed else { return }
        try? await connection.closeFuture.get()
        throw PostgresError.connectionClosed
    }
}

/// Runs a task's jobs on one NIO event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
