// Every store operation on the database is bounded: leasing a pooled connection has a deadline
// (while the server is unreachable, postgres-nio's pool keeps a lease request waiting until its
// circuit breaker trips, a minute), and so has the whole operation (`operation_timeout_ms`). A
// connection that closes under an operation fails it at once. See PostgresBoundedOperation.swift
// for why postgres-nio alone can wait forever.

internal import PostgresNIO

extension PostgresStore {
    /// Runs `body` on a pooled connection. Throws `StoreError(.unavailable)` when no connection
    /// is handed out within `leaseTimeout`, when the connection closes under `body`, or when the
    /// whole operation takes longer than `operationTimeout` (then the connection is closed, so
    /// the pool never hands it out again). In the last two cases a transaction may or may not
    /// have committed: callers retry, and writes are idempotent (event_id dedupe, rollups
    /// counted from the rows inserted in the same transaction).
    func withPooledConnection<Result: Sendable>(
        doing what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let client = client
        return try await PostgresBoundedOperation<Result>.run(
            leaseTimeout: leaseTimeout, operationTimeout: operationTimeout, copies: copies, failure: expiryError(doing: what)
        ) { operation in
            try await client.withConnection { connection in
                guard operation.begin(on: connection) else { throw CancellationError() }
                return try await body(connection)
            }
        }
    }

    /// Runs `body` on a direct connection of its own (probes and the check at start-up), with
    /// the same bounds: `connectTimeout` to connect, `timeout` for the whole operation.
    func withBoundedConnection<Result: Sendable>(
        doing what: String, connectTimeout: TimeAmount, timeout: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await Self.withBoundedConnection(
            to: endpoint, logger: logger, doing: what, connectTimeout: connectTimeout, timeout: timeout, body)
    }

    static func withBoundedConnection<Result: Sendable>(
        to endpoint: PostgresEndpoint, logger: Logger, doing what: String, connectTimeout: TimeAmount, timeout: Duration,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await PostgresBoundedOperation<Result>.run(
            leaseTimeout: timeout, operationTimeout: timeout, failure: expiryError(endpoint: endpoint, doing: what, pooled: false)
        ) { operation in
            try await endpoint.withConnection(logger: logger, connectTimeout: connectTimeout) { connection in
                guard operation.begin(on: connection) else { throw CancellationError() }
                return try await body(connection)
            }
        }
    }

    /// The caller's error when an operation's watchdog answers first.
    func expiryError(doing what: String) -> @Sendable (PostgresExpiry) -> any Error {
        Self.expiryError(endpoint: endpoint, doing: what, pooled: true)
    }

    static func expiryError(endpoint: PostgresEndpoint, doing what: String, pooled: Bool) -> @Sendable (PostgresExpiry) -> any Error {
        { expiry in
            switch expiry {
            case .noConnection(let timeout) where pooled:
                StoreError(
                    .unavailable,
                    "could not \(what): no PostgreSQL connection within \(timeout) (is the server at \(endpoint) up, and is the store's service running?)")
            case .noConnection(let timeout):
                StoreError(.unavailable, "could not \(what): no connection to PostgreSQL at \(endpoint) within \(timeout)")
            case .connectionClosed:
                StoreError(.unavailable, "could not \(what) on \(endpoint): PostgreSQL closed the connection")
            case .timedOut(let timeout):
                StoreError(.unavailable, "could not \(what) on \(endpoint): no answer within \(timeout); the connection was closed")
            }
        }
    }
}
