// The COPY path of the postgres store against a real server: every byte that COPY's text
// format escapes survives the round trip, and NULL stays distinct from empty.

import PipelineKit
import Stages
import Testing

@Suite(.enabled(if: postgresTestURL != nil, "set SMOLHOG_TEST_POSTGRES_URL (scripts/services/postgres.sh start DIR)"))
struct PostgresCopyTests {
    @Test func fieldsWithEscapedBytesRoundTrip() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            try await withStore(url) { store in
                let tricky = Event(
                    eventID: "tab\there", eventName: "new\nline", userID: "back\\slash\r",
                    properties: ["quote": "say \"hi\" \\ \t", "path": "C:\\temp\\new", "ü": ["\n"]],
                    timestamp: Timestamp(microseconds: 1_714_500_000_123_456), sessionID: "", receivedAt: Timestamp(microseconds: 1_714_500_001_000_000))
                let plain = Event(
                    eventID: "plain", eventName: "view", userID: "u", timestamp: Timestamp(microseconds: 1_714_500_000_000_000), sessionID: nil,
                    receivedAt: Timestamp(microseconds: 1_714_500_001_000_000))
                let stored = try await store.write([tricky, plain], inTransaction: aggregate)
                #expect(Set(stored.map(\.event.eventID)) == ["tab\there", "plain"])
                let rows = try await store.events(EventQuery(limit: 10)).rows.map(\.event)
                let read = try #require(rows.first { $0.eventID == "tab\there" })
                #expect([read.eventName, read.userID, read.sessionID] == [tricky.eventName, tricky.userID, tricky.sessionID])
                #expect([read.timestamp, read.receivedAt] == [tricky.timestamp, tricky.receivedAt])
                // JSONB keeps its own key order; the members must be the same.
                #expect(Dictionary(uniqueKeysWithValues: read.properties.members) == Dictionary(uniqueKeysWithValues: tricky.properties.members))
                #expect(rows.first { $0.eventID == "plain" }?.sessionID == nil)
            }
        }
    }
}
