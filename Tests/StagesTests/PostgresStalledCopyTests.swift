// PostgresStore when the network stops carrying a COPY's rows (StallingProxy): the write fails
// as an outage at its deadline, and neither the watchdog nor the pool's shutdown closes the
// stalled connection from our side. postgres-nio 1.33 traps (preconditionFailure) on such a
// close, so before PostgresCopyGuard these tests took the test process down.

import Foundation
import PipelineKit
import Testing

@testable import Stages

@Suite(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresStalledCopyTests {
    @Test func theWriteFailsAsAnOutageAndTheRetryGoesThroughOnceTheConnectionEnds() async throws {
        try await withStalledCopy { store, proxy, url in
            // The stalled COPY keeps its connection until that connection ends. Once it does,
            // the pool's next connection passes everything and the retry goes through.
            proxy.cutStalledConnection()
            #expect(await writeRetrying(store, events(0..<10))?.count == 10)
            try await expectRollupsExact(store, url)
        }
    }

    @Test func aStoreStoppingMeanwhileLeavesTheStalledConnectionToTheProcessExit() async throws {
        // withStore stops the store's pool when this body returns, with the COPY still stalled.
        try await withStalledCopy { store, _, _ in
            #expect(store.copies.value == 1)
        }
    }

    /// Runs `body` after a write whose COPY stalled has failed as an outage, with the pool still
    /// running and the COPY still stalled.
    private func withStalledCopy(_ body: (PostgresStore, StallingProxy, String) async throws -> Void) async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            var components = try #require(URLComponents(string: url))
            let proxy = try StallingProxy(to: UInt16(try #require(components.port)), stallAfter: 1 << 20)
            defer { proxy.close() }
            components.port = Int(proxy.port)
            let proxied = try #require(components.string)
            // The deadline leaves room to build and send the first MiB on a loaded machine (with
            // 5 s, a busy 2-core host timed the write out before the proxy had stalled it).
            try await withStore(proxied, pool: 1, operationTimeoutMilliseconds: 15_000) { store in
                // About 20 MB of COPY text: far more than the socket buffers between client and proxy hold.
                let large = events(0..<20_000, padding: 1000)
                let clock = ContinuousClock()
                let start = clock.now
                let overrun = await #expect(throws: StoreError.self) { try await store.write(large, inTransaction: aggregate) }
                #expect(proxy.hasStalled, "\(String(describing: overrun))")
                #expect(overrun?.code == .unavailable && overrun?.message.contains("no answer within") == true, "\(String(describing: overrun))")
                #expect(clock.now - start < .seconds(40))
                try await body(store, proxy, url)
            }
        }
    }
}
