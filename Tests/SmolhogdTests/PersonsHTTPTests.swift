// GET /analytics/persons/{id} and GET /analytics/groups/{type}/{key} over HTTP against the
// real binary, with the embedded pipeline plus `persons`: ids joined by an alias show one
// person with the events of both, groups show their members, unknown ones a 404 JSON.

import Foundation
import Testing

@Suite(.serialized) struct PersonsHTTPTests {
    static func event(_ id: String, _ name: String, user: String, at: String, properties: [String: Any] = [:]) -> [String: Any] {
        ["event_id": id, "event_name": name, "user_id": user, "timestamp": at, "properties": properties]
    }

    @Test func aliasedIdsShowAsOnePersonWithTheEventsOfBothAndGroupsWithTheirMembers() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/pipeline.yaml"
        try """
        server: {listen: "127.0.0.1:0"}
        stages:
          - validate
          - queue: {embedded: {path: data/queue.sqlite}}
          - persist: {sqlite: {path: data/smolhog.sqlite}}
          - aggregate
          - persons
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        let events: [[String: Any]] = [
            Self.event("p1", "$pageview", user: "anon-42", at: "2024-05-06T07:00:00Z", properties: ["$groups": ["company": "acme"]]),
            Self.event("p2", "$set", user: "anon-42", at: "2024-05-06T07:01:00Z", properties: ["$set": ["plan": "free"]]),
            Self.event("p3", "signup", user: "ada@example.com", at: "2024-05-06T07:02:00Z", properties: ["$set": ["email": "ada@example.com"]]),
            Self.event("p4", "$create_alias", user: "anon-42", at: "2024-05-06T07:03:00Z", properties: ["alias": "ada@example.com"]),
            Self.event(
                "p5", "$groupidentify", user: "ada@example.com", at: "2024-05-06T07:04:00Z",
                properties: ["$group_type": "company", "$group_key": "acme", "$group_set": ["name": "Acme Inc"]]),
        ]
        let posted = try await daemon.json("POST", "/events", body: ["events": events])
        #expect(posted.status == 200)
        var person: [String: Any] = [:]
        #expect(
            try await waitFor(timeout: .seconds(20)) {
                person = try await daemon.json("GET", "/analytics/persons/ada%40example.com").json
                return (person["recent_events"] as? [Any])?.count == 5
            })
        #expect(person["distinct_ids"] as? [String] == ["ada@example.com", "anon-42"])
        #expect(person["properties"] as? [String: String] == ["plan": "free", "email": "ada@example.com"])
        #expect(person["person_id"] as? Int != nil)
        #expect(person["first_seen"] as? String == "2024-05-06T07:00:00Z")
        #expect(person["last_seen"] as? String == "2024-05-06T07:04:00Z")
        let recent = (person["recent_events"] as? [[String: Any]] ?? []).map { $0["event_id"] as? String ?? "" }
        #expect(recent == ["p5", "p4", "p3", "p2", "p1"])
        let limited = try await daemon.json("GET", "/analytics/persons/anon-42?events=2")
        #expect((limited.json["recent_events"] as? [Any])?.count == 2)
        #expect(limited.json["person_id"] as? Int == person["person_id"] as? Int)

        let group = try await daemon.json("GET", "/analytics/groups/company/acme")
        #expect(group.status == 200)
        #expect(group.json["properties"] as? [String: String] == ["name": "Acme Inc"])
        #expect(group.json["member_count"] as? Int == 2)
        #expect(group.json["members"] as? [String] == ["ada@example.com", "anon-42"])
        #expect(group.json["first_seen"] as? String == "2024-05-06T07:00:00Z")

        let unknown = try await daemon.json("GET", "/analytics/persons/nobody")
        #expect(unknown.status == 404)
        #expect(unknown.json["code"] as? String == "person_not_found")
        #expect((unknown.json["message"] as? String)?.contains("'nobody'") == true)
        let noGroup = try await daemon.json("GET", "/analytics/groups/company/initech")
        #expect(noGroup.status == 404)
        #expect(noGroup.json["code"] as? String == "group_not_found")
        let badLimit = try await daemon.json("GET", "/analytics/persons/anon-42?events=500")
        #expect(badLimit.status == 400)
        #expect((badLimit.json["message"] as? String)?.contains("events '500' must be an integer from 0 to 100") == true)
    }
}
