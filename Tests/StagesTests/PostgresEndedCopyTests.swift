// PostgresStore when the server ends a session while a COPY is sending rows, as a PostgreSQL
// restart or pg_terminate_backend does: the write fails as an outage and the process lives on.
// postgres-nio 1.33 traps when a COPY call reaches a connection whose close it has seen but not
// finished (PostgresCopyWriting); before that, this test took the test process down (5 of 5 runs,
// at each of the three trap sites: write, CopyDone, CopyFail).

import Foundation
import Logging
import PipelineKit
import PostgresNIO
import Synchronization
import Testing

@testable import Stages

@Suite(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresEndedCopyTests {
    @Test func sessionsEndedMidCopyFailTheirWritesAsOutagesAndTheStoreWritesOnAfterwards() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            let killer = try await PostgresConnection.connect(
                configuration: try PostgresEndpoint(url: url).connectionConfiguration(), id: 98, logger: postgresTestLog)
            let error = await failure {
                try await withStore(url, pool: 2) { store in
                    // About 1 MB of COPY text: tens of milliseconds of rows.
                    let batch = events(0..<3000, padding: 300)
                    var ended = 0
                    for _ in 0..<40 {
                        let finished = Finished()
                        let written = Task {
                            defer { finished.set() }
                            return await failure { _ = try await store.write(batch, inTransaction: aggregate) }
                        }
                        ended += try await endCopyingSessions(on: killer, until: finished)
                        if let error = await written.value {
                            #expect((error as? StoreError)?.code == .unavailable, "\(error)")
                        }
                    }
                    #expect(ended > 0, "no COPY was seen to end; the test did not test anything")
                    #expect(await writeRetrying(store, batch) != nil)
                    #expect(try await count(url, "SELECT COUNT(*) FROM events") == 3000)
                    try await expectRollupsExact(store, url)
                }
            }
            try? await killer.close()
            if let error { throw error }
        }
    }

    /// Waits (up to 10 s) for a session of this database to run a COPY, and ends it. Returns how
    /// many sessions it ended: 0 when the write finished before its COPY was seen.
    private func endCopyingSessions(on killer: PostgresConnection, until finished: Finished) async throws -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(10))
        let sql = """
            SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid))::int8 FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY%' AND state = 'active'
            """
        while clock.now < deadline {
            let rows = try await killer.query(PostgresQuery(unsafeSQL: sql), logger: postgresTestLog)
            for try await ended in rows.decode(Int64.self) where ended > 0 { return Int(ended) }
            if finished.value { return 0 }
        }
        return 0
    }

    final class Finished: Sendable {
        private let flag = Atomic<Bool>(false)
        var value: Bool { flag.load(ordering: .acquiring) }
        func set() { flag.store(true, ordering: .releasing) }
    }
}
