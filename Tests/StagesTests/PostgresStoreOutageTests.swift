// PostgresStore when PostgreSQL goes away or stops answering: every operation fails as an
// outage (`StoreError(.unavailable)`, which the worker retries) within its deadlines, never
// hangs, and the store works again with exact rollups once the server answers.

import Foundation
import Logging
import PipelineKit
import PostgresNIO
import Testing

@testable import Stages

@Suite(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresStoreOutageTests {
    @Test func reportsDownAndFailsWritesWhenTheServerIsUnreachable() async throws {
        // Port 1 on loopback: nothing listens, connections are refused at once.
        try await withStore("postgres://smolhog@127.0.0.1:1/smolhog", leaseTimeout: .milliseconds(500)) { store in
            let health = await store.health()
            #expect(!health.up && health.detail?.contains("cannot reach PostgreSQL") == true)
            let error = await #expect(throws: StoreError.self) { try await store.write(events(0..<3), inTransaction: aggregate) }
            #expect(error?.code == .unavailable)
        }
    }

    @Test func aWriteThatOverrunsItsDeadlineFailsAsAnOutageAndItsConnectionIsNotReused() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            // Another session locks `events`: the store's INSERT waits behind it.
            let endpoint = try PostgresEndpoint(url: url)
            let locker = try await PostgresConnection.connect(configuration: try endpoint.connectionConfiguration(), id: 99, logger: postgresTestLog)
            let error = await failure {
                // One pooled connection: were the overrun one handed out again, the next write would fail.
                try await withStore(url, pool: 1, operationTimeoutMilliseconds: 3000) { store in
                    // The pool's connection is open before the lock, so the deadline below is
                    // spent waiting on the lock, not on a slow connect of a loaded machine. (Its
                    // count is not checked: a try that overran its deadline on a loaded machine
                    // may have committed, and the retry then inserts nothing.)
                    _ = await writeRetrying(store, events(100..<101))
                    try await locker.query("BEGIN", logger: postgresTestLog)
                    try await locker.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE", logger: postgresTestLog)
                    let clock = ContinuousClock()
                    let start = clock.now
                    let overrun = await #expect(throws: StoreError.self) { try await store.write(events(0..<10), inTransaction: aggregate) }
                    #expect(overrun?.code == .unavailable && overrun?.message.contains("no answer within") == true, "\(String(describing: overrun))")
                    #expect(clock.now - start < .seconds(10))
                    try await locker.query("ROLLBACK", logger: postgresTestLog)
                    // As the worker does: a transient failure (a loaded machine, a fresh
                    // connection) is retried; the write must then go through on a new connection.
                    #expect(await writeRetrying(store, events(0..<10))?.count == 10)
                    try await expectRollupsExact(store, url)
                }
            }
            try? await locker.close()
            if let error { throw error }
        }
    }

    @Test func aSessionTheServerEndsBetweenStatementsFailsTheWriteAtOnce() async throws {
        // What a PostgreSQL restart does to a write in flight: the server ends the session while
        // the transaction is between two statements. postgres-nio never answers a query sent
        // on the closed connection afterwards; the store must not wait for it.
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            try await withStore(url, pool: 1) { store in
                let clock = ContinuousClock()
                let start = clock.now
                let error = await #expect(throws: StoreError.self) {
                    try await store.write(events(0..<10)) { inserted in
                        // Between the INSERT and the rollup statements. This stage cannot await,
                        // so psql blocks a thread of the cooperative pool here (for a few tens
                        // of milliseconds): the store gives it no other place to run.
                        let ended = try psql(
                            url,
                            """
                            SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
                            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction'
                            """)
                        let pid = Int(ended.prefix { $0 != "|" })
                        #expect(pid != nil && ended.hasSuffix("|t"), "no session in a transaction was ended: \(ended)")
                        // Once its backend is gone, the server has closed the session: the
                        // client sees the close before the next statement is sent.
                        let deadline = ContinuousClock.now + .seconds(10)
                        while try psql(url, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = \(pid ?? 0)") != "0" && ContinuousClock.now < deadline {}
                        return try aggregate(inserted)
                    }
                }
                #expect(error?.code == .unavailable, "\(String(describing: error))")
                #expect(clock.now - start < .seconds(10), "the write waited for its deadline (30 s) instead of failing when the connection closed")
                #expect(try await count(url, "SELECT COUNT(*) FROM events") == 0)
                #expect(try await store.write(events(0..<10), inTransaction: aggregate).count == 10)
                try await expectRollupsExact(store, url)
            }
        }
    }
}
