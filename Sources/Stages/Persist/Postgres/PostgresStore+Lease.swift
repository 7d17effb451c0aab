// Leasing a pooled connection with a deadline. While the server is unreachable, postgres-nio's
// pool keeps a lease request waiting until its circuit breaker trips (a minute); the store
// fails it sooner, so the worker sees the outage, checks health and backs off.

internal import PostgresNIO

extension PostgresStore {
    /// Runs `body` on a pooled connection; throws `StoreError(.unavailable)` when none is
    /// handed out within `leaseTimeout`. Once `body` has started, it is never cut short.
    func withPooledConnection<Result: Sendable>(
        doing what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let race = LeaseRace()
        let client = client
        let timeout = leaseTimeout
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    guard await race.acquire() else { throw CancellationError() }
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                guard await race.expire() else { return nil }
                throw StoreError(
                    .unavailable,
                    "could not \(what): no PostgreSQL connection within \(timeout) (is the server at \(self.endpoint) up, and is the store's service running?)"
                )
            }
            // The first child to finish decides: the lease's result, or the deadline's error
            // (which cancels the waiting lease request).
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            throw StoreError(.unavailable, "could not \(what): the connection lease ended without a result")
        }
    }
}

/// Decides, once, whether a lease was acquired before its deadline.
actor LeaseRace {
    private var decided: Bool?

    /// True if the lease came first (the body may run).
    func acquire() -> Bool {
        if decided == nil { decided = true }
        return decided == true
    }

    /// True if the deadline came first (the lease must give up).
    func expire() -> Bool {
        if decided == nil { decided = false }
        return decided == false
    }
}
