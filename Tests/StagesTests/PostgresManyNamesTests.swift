// Reads over tens of thousands of distinct event names on PostgreSQL (names are the client's
// to choose), against a real server, counted, not timed: the top names of /analytics/stats
// (the right ten, ties broken by byte order, the same buffers read by EXPLAIN (ANALYZE,
// BUFFERS) with 50,000 tied names as with 500), and pages of every name (the same rows as a
// sort of every event, and a first page probes as few names' runs with 50,000 as with 500).

import Foundation
import PipelineKit
import PostgresNIO
import Testing

@testable import Stages

@Suite(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresManyNamesTests {
    @Test func theTopNamesReadTheSameBuffersWithFiftyThousandTiedNames() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            try await withStore(url) { store in
                // Two events for each name: every name ties with every other.
                _ = try psql(url, "INSERT INTO rollup_event_totals SELECT 'name-' || g, 2 FROM generate_series(0, 499) g; ANALYZE rollup_event_totals")
                let few = try await Self.buffersOfStats(url)
                _ = try psql(url, "INSERT INTO rollup_event_totals SELECT 'name-' || g, 2 FROM generate_series(500, 49999) g; ANALYZE rollup_event_totals")
                let many = try await Self.buffersOfStats(url)
                #expect(few > 0)
                #expect(many <= 2 * few, "the top names of 50,000 read \(many) buffers, of 500 \(few)")
                let top = try await store.stats(top: 10).topEvents
                #expect(top.map(\.name) == (0..<50_000).map { "name-\($0)" }.sorted().prefix(10).map { $0 })
                #expect(top.allSatisfy { $0.count == 2 })
            }
        }
    }

    @Test func aFirstPageOfEveryNameProbesAsFewNamesWithFiftyThousandNamesAndPagesListTheNewest() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            try await withStore(url) { store in
                try await SQLiteManyNamesPageTests.load(store, names: 0..<500)
                let few = try await Self.probedNames(url, EventQuery(limit: 100))
                try await SQLiteManyNamesPageTests.load(store, names: 500..<50_000)
                let many = try await Self.probedNames(url, EventQuery(limit: 100))
                // A page of 100 (and one more row) holds keys of at most 101 names; the names
                // are read in growing groups, so the last group may add some.
                #expect(few > 0 && few <= 2 * 101, "500 names: \(few) probed")
                #expect(many <= 2 * 101, "50,000 names: \(many) probed")

                let sorted = try await fetch(
                    url, "SELECT event_id, (extract(epoch FROM timestamp) * 1000000)::int8 FROM events ORDER BY timestamp DESC, id DESC"
                ) {
                    try $0.decode((String, Int64).self)
                }
                #expect(sorted.count == 100_000)
                #expect(try await eventPages(store, EventQuery(limit: 100), pages: 5) == sorted.prefix(500).map(\.0))
                let before = Timestamp(microseconds: sorted[40_000].1)
                let older = sorted.filter { $0.1 < before.microseconds }
                #expect(try await eventPages(store, EventQuery(limit: 70, before: before), pages: 3) == older.prefix(210).map(\.0))
            }
        }
    }

    /// How many names' runs the page of every name for `query` probes.
    static func probedNames(_ url: String, _ query: EventQuery) async throws -> Int {
        try await PostgresEndpoint(url: url).withConnection(logger: postgresTestLog) { connection in
            try await PostgresStore.mergedPageIDs(query, limit: query.limit + 1, on: connection, logger: postgresTestLog).probedNames
        }
    }

    /// The shared buffers (hit and read) the stats statement's plan touches for the top ten.
    static func buffersOfStats(_ url: String) async throws -> Int {
        let query = PostgresStore.statsQuery(top: 10)
        let explain = PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query.sql, binds: query.binds)
        let lines = try await PostgresEndpoint(url: url).withConnection(logger: postgresTestLog) { connection in
            var lines: [String] = []
            for try await line in try await connection.query(explain, logger: postgresTestLog).decode(String.self) { lines.append(line) }
            return lines
        }
        // The first "Buffers:" line is the top node's, which counts its children's too.
        let buffers = try #require(lines.first { $0.contains("Buffers: shared") }, "\(lines)")
        return buffers.split(separator: " ").reduce(0) { sum, word in
            let parts = word.split(separator: "=")
            guard parts.count == 2, ["hit", "read"].contains(parts[0]), let n = Int(parts[1]) else { return sum }
            return sum + n
        }
    }
}
