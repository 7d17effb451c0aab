// The COPY paths of the postgres store against a real server: every byte that COPY's text
// format escapes survives the round trip, NULL stays distinct from empty, and times come back
// to the microsecond whether they went in as timestamptz text (straight into `events`) or as
// integers (through the staging table, when a batch holds a stored event_id).

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

    @Test func timesSurviveBothCopyLayouts() async throws {
        try await withDatabase { url in
            _ = try await PostgresMigrator.migrate(url: url, logger: postgresTestLog)
            try await withStore(url) { store in
                let received = Timestamp(microseconds: 1_714_500_001_000_000)
                let times: [Int64] = [
                    -62_135_596_800_000_000,  // 0001-01-01T00:00:00Z, the first plain year
                    -1,  // 1969-12-31T23:59:59.999999Z
                    -86_399_000_001,  // 1969-12-31T00:00:00.999999Z
                    951_782_400_000_007,  // 2000-02-29T00:00:00.000007Z
                    253_402_300_799_999_999,  // 9999-12-31T23:59:59.999999Z
                ]
                func events(_ prefix: String) -> [Event] {
                    times.enumerated().map { index, micros in
                        Event(
                            eventID: "\(prefix)-\(index)", eventName: "t", userID: "u", timestamp: Timestamp(microseconds: micros), sessionID: nil,
                            receivedAt: received)
                    }
                }
                // Straight into events, then again with one stored event_id (staged).
                #expect(try await store.write(events("direct"), inTransaction: aggregate).count == times.count)
                let again = [events("direct")[0]] + events("staged")
                #expect(try await store.write(again, inTransaction: aggregate).map(\.event.eventID) == events("staged").map(\.eventID))
                // Year 0 has no plain text form; such a batch is staged from the start.
                let yearZero = Event(
                    eventID: "year-0", eventName: "t", userID: "u", timestamp: Timestamp(microseconds: -62_135_596_800_000_001), sessionID: nil,
                    receivedAt: received)
                #expect(try await store.write([yearZero], inTransaction: aggregate).count == 1)

                let rows = try await store.events(EventQuery(limit: 100)).rows.map(\.event)
                for event in events("direct") + events("staged") + [yearZero] {
                    let read = try #require(rows.first { $0.eventID == event.eventID })
                    #expect(read.timestamp == event.timestamp, "\(event.eventID)")
                    #expect(read.receivedAt == received)
                }
            }
        }
    }
}
