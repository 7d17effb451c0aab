// Pages of every event name on PostgreSQL (PostgresStore+MergedPage.swift): merged from the name
// index's runs in two rounds, they list every event once, newest first, with many names and one
// busy one, with `before` and the cursor, against a real server.

import Foundation
import PipelineKit
import Testing

@testable import Stages

@Suite(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresMergedPageTests {
    @Test func pagesOfEveryNameListEachEventOnceNewestFirst() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            try await withStore(url) { store in
                let all = manyNamedEvents()
                _ = try await store.write(Array(all[..<300])) { _ in [] }
                _ = try await store.write(Array(all[300...])) { _ in [] }
                let before = try #require(Timestamp(iso8601: "2024-05-06T07:03:00Z"))
                for (query, expected) in [
                    (EventQuery(limit: 3), all), (EventQuery(limit: 100), all),
                    (EventQuery(limit: 9, before: before), all.filter { $0.timestamp < before }),
                ] {
                    var query = query
                    var rows: [StoredRow] = []
                    repeat {
                        let page = try await store.events(query)
                        rows += page.rows
                        query.after = page.next
                    } while query.after != nil
                    let keys = rows.map { ($0.event.timestamp.microseconds, $0.id) }
                    #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 > $1 }, "limit \(query.limit)")
                    #expect(rows.map(\.event.eventID).sorted() == expected.map(\.eventID).sorted(), "limit \(query.limit)")
                }
            }
        }
    }
}
