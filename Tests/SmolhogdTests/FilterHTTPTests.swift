// A `filter` stage on each path of the real binary, over HTTP: the answer counts what the
// ingest filter dropped (`events_filtered`), only the kept events are stored, and
// /metrics counts each rule's drops under the stage's place in the list.

import Foundation
import Testing

@Suite(.serialized) struct FilterHTTPTests {
    static func event(_ id: String, name: String = "filter.view", properties: [String: Any] = [:]) -> [String: Any] {
        ["event_id": id, "event_name": name, "user_id": "filter-user", "timestamp": "2024-05-06T07:08:09Z", "properties": properties]
    }

    /// The value of the sample of `metric` whose labels include every one of `labels`.
    static func sample(_ metrics: String, _ metric: String, _ labels: [String]) -> Double? {
        HTTPSurfaceTests.samples(metrics).first { key, _ in
            key.hasPrefix(metric + "{") && labels.allSatisfy { key.contains($0) }
        }?.value
    }

    @Test func theAnswerCountsFilteredEventsAndOnlyKeptOnesAreStoredAndCounted() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/pipeline.yaml"
        try #"""
        server: {listen: "127.0.0.1:0"}
        stages:
          - validate
          - filter:
              - name: no-heartbeats
                drop_events: [filter.heartbeat]
              - name: staff
                drop_if: {property: email, regex: "@example\\.com$"}
          - queue: {embedded: {path: data/queue.sqlite}}
          - filter:
              - name: internal-plan
                drop_if: {property: account.plan, equals: internal}
          - persist: {sqlite: {path: data/smolhog.sqlite}}
          - aggregate
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }

        var noUser = Self.event("f4")
        noUser["user_id"] = nil
        let events: [[String: Any]] = [
            Self.event("f1", properties: ["email": "ada@customer.org"]),
            Self.event("f2", name: "filter.heartbeat"),
            Self.event("f3", properties: ["email": "staff@example.com"]),
            noUser,
            Self.event("f5", properties: ["account": ["plan": "internal"]]),
            Self.event("f6", properties: ["account": ["plan": "pro"]]),
        ]
        let posted = try await daemon.json("POST", "/events", body: ["events": events])
        #expect(posted.status == 200)
        #expect(posted.json["status"] as? String == "partial")
        #expect(posted.json["events_received"] as? Int == 6)
        #expect(posted.json["events_accepted"] as? Int == 3, "f5 is queued: the worker's filter drops it")
        #expect(posted.json["events_rejected"] as? Int == 1)
        #expect(posted.json["events_filtered"] as? Int == 2)
        #expect(posted.json["message"] as? String == "3 events queued for processing, 1 rejected, 2 filtered")
        #expect((posted.json["rejected"] as? [[String: Any]])?.map { $0["index"] as? Int } == [3])

        // The worker's filter drops f5 in the transaction's group: once it has counted it,
        // the group's kept events are stored.
        var metrics = ""
        let counted = try await waitFor(timeout: .seconds(30)) {
            metrics = try await daemon.request("GET", "/metrics").text
            return Self.sample(metrics, "smolhog_filtered_events_total", [#"stage="stages[3]""#, #"rule="internal-plan""#]) == 1
                && (HTTPSurfaceTests.samples(metrics)["smolhog_worker_stored_events_total"] ?? 0) >= 2
        }
        #expect(counted, "metrics:\n\(metrics.split(separator: "\n").filter { $0.contains("filter") || $0.contains("stored") }.joined(separator: "\n"))")
        #expect(Self.sample(metrics, "smolhog_filtered_events_total", [#"stage="stages[1]""#, #"rule="no-heartbeats""#]) == 1)
        #expect(Self.sample(metrics, "smolhog_filtered_events_total", [#"stage="stages[1]""#, #"rule="staff""#]) == 1)
        #expect(HTTPSurfaceTests.samples(metrics)[#"smolhog_ingest_events_total{outcome="filtered"}"#] == 2)
        #expect(HTTPSurfaceTests.samples(metrics)["smolhog_worker_duplicate_events_total"] ?? 0 == 0, "a filtered event is not a duplicate")

        let stored = try await daemon.json("GET", "/analytics/events?limit=100").json["events"] as? [[String: Any]] ?? []
        #expect(Set(stored.compactMap { $0["event_id"] as? String }) == ["f1", "f6"])
        let ready = try await daemon.json("GET", "/readyz")
        #expect(ready.status == 200, "nothing is left in the queue: the filtered event's message was acknowledged")
        #expect(ready.json["backlog_events"] as? Int == 0)
    }
}
