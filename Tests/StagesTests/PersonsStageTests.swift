// The persons stage's delta computation (which events say what) and the merge rule it feeds
// (PersonChanges, through the in-memory twin), plus the graph that runs it beside aggregate.

import PipelineKit
import Stages
import Testing

@Suite struct PersonsStageTests {
    let stage = PersonsStage()

    func changes(_ events: [Event], groups: Bool = true) throws -> [PersonDelta.Change] {
        let deltas = try PersonsStage(groups: groups).apply(Batch(events.map(StoredEvent.init))).items
        #expect(deltas.count == 1)
        #expect(deltas.allSatisfy { $0.totalEvents == 0 && $0.buckets.isEmpty && $0.users.isEmpty })
        return deltas.flatMap(\.persons.changes)
    }

    let at = Timestamp(iso8601: "2024-05-06T07:08:09Z") ?? Timestamp(microseconds: 0)

    @Test func eventsWithoutPersonDataMakeNoChanges() throws {
        let plain = [
            event("a", properties: ["$lib": "web", "cart": ["$set": ["nested": 1]]]), event("b", name: "$pageview"),
            event("c", properties: ["$set": "not an object", "$groups": ["company": ["not": "text"]]]),
        ]
        #expect(try changes(plain).isEmpty)
    }

    @Test func setAndSetOnceBecomeTheirChangesInEventOrder() throws {
        let events = [
            event("a", name: "$set", user: "u1", properties: ["$set": ["plan": "pro"], "$set_once": ["first_plan": "free"]]),
            event("b", name: "purchase", user: "u2", properties: ["$set": ["plan": "team"]]),
            event("c", name: "$identify", user: "u3", properties: ["$set": ["email": "ada@example.com"]]),
        ]
        #expect(
            try changes(events) == [
                .set(distinctID: "u1", properties: ["plan": "pro"], at: at), .setOnce(distinctID: "u1", properties: ["first_plan": "free"], at: at),
                .set(distinctID: "u2", properties: ["plan": "team"], at: at), .set(distinctID: "u3", properties: ["email": "ada@example.com"], at: at),
            ])
    }

    @Test func aliasAndIdentifyLinkTwoLegalIdsBeforeTheirSet() throws {
        let events = [
            event("a", name: "$create_alias", user: "anon-1", properties: ["alias": "user-1"]),
            event("b", name: "$identify", user: "user-2", properties: ["$anon_distinct_id": "anon-2", "$set": ["name": "Ada"]]),
        ]
        #expect(
            try changes(events) == [
                .link(distinctID: "anon-1", otherID: "user-1", at: at), .link(distinctID: "user-2", otherID: "anon-2", at: at),
                .set(distinctID: "user-2", properties: ["name": "Ada"], at: at),
            ])
    }

    @Test func aSegmentIdentifyWithBothIdsLinksThem() throws {
        let events = [
            event("a", name: "$identify", user: "user-1", properties: ["anonymousId": "anon-1", "userId": "user-1", "$set": ["plan": "pro"]]),
            event("b", name: "$identify", user: "anon-2", properties: ["anonymousId": "anon-2", "userId": nil]),
        ]
        #expect(
            try changes(events) == [
                .link(distinctID: "user-1", otherID: "anon-1", at: at), .set(distinctID: "user-1", properties: ["plan": "pro"], at: at),
            ])
    }

    @Test func illegalOrSameIdsAreNeverLinked() throws {
        var events: [Event] = []
        for (n, id) in ["anonymous", "null", "undefined", "0", "", "  ", "\"null\"", "[object Object]"].enumerated() {
            events.append(event("alias-\(n)", name: "$create_alias", user: "user-1", properties: ["alias": .string(id)]))
            events.append(event("identify-\(n)", name: "$identify", user: id.isEmpty ? "x" : id, properties: ["$anon_distinct_id": "anon-1"]))
        }
        events.append(event("self", name: "$create_alias", user: "user-1", properties: ["alias": "user-1"]))
        events.append(event("number", name: "$create_alias", user: "user-1", properties: ["alias": 42]))
        #expect(try changes(events).filter { if case .link = $0 { true } else { false } } == [.link(distinctID: "x", otherID: "anon-1", at: at)])
    }

    @Test func groupIdentifyAndGroupsPropertyMakeGroupChanges() throws {
        let events = [
            event(
                "a", name: "$groupidentify", user: "user-1",
                properties: ["$group_type": "company", "$group_key": "acme", "$group_set": ["name": "Acme Inc", "employees": 42]]),
            event("b", name: "view", user: "user-2", properties: ["$groups": ["company": "acme", "project": 7, "bad": ["x": 1]]]),
        ]
        #expect(
            try changes(events) == [
                .groupSet(type: "company", key: "acme", properties: ["name": "Acme Inc", "employees": 42], at: at),
                .joinGroup(type: "company", key: "acme", distinctID: "user-1", at: at),
                .joinGroup(type: "company", key: "acme", distinctID: "user-2", at: at),
                .joinGroup(type: "project", key: "7", distinctID: "user-2", at: at),
            ])
        #expect(try changes(events, groups: false).isEmpty)
    }

    @Test func personsRunsBesideAggregateAfterPersistAndBothDeltasReachTheStore() async throws {
        let graph = try compile(
            """
            stages:
              - validate
              - queue: {memory: {}}
              - persist: {memory: {}}
              - aggregate
              - persons: {groups: true}
            """, plugins: testPlugins)
        #expect(graph.stages.map { graph.placement(of: $0) }.suffix(2) == [.inTransaction, .inTransaction])
        let runtime = try await graph.build(context: BuildContext(baseDirectory: "/", logger: testLogger, role: .worker))
        let worker = try #require(runtime.worker)
        let store = try #require(runtime.store as? MemoryStore)
        _ = try await worker.store([
            event("a", user: "anon-1"), event("b", name: "$create_alias", user: "anon-1", properties: ["alias": "user-1"]),
            event("c", name: "$set", user: "user-1", properties: ["$set": ["plan": "pro"]]),
        ])
        let person = try #require(try await store.person(distinctID: "anon-1"))
        #expect(person.distinctIDs == ["anon-1", "user-1"])
        #expect(person.properties == ["plan": "pro"])
        #expect(try await store.stats(top: 1).totalEvents == 3)
    }

    @Test func anUnknownOptionIsAnErrorAtItsLine() {
        let found = issues(
            """
            stages:
              - validate
              - queue: {embedded: {path: q.sqlite}}
              - persist: {sqlite: {path: s.sqlite}}
              - aggregate
              - persons: {grups: false}
            """)
        #expect(found.map(\.code) == [.unknownField])
        #expect(found.first?.line == 6)
        #expect(found.first?.message.contains("groups") == true)
    }

    @Test func aStageThatTakesStoredEventsMustFollowPersistOrADelta() {
        let found = issues(
            """
            stages:
              - validate
              - persons
              - queue: {embedded: {path: q.sqlite}}
              - persist: {sqlite: {path: s.sqlite}}
            """)
        #expect(found.contains { $0.code == .typeMismatch && $0.message.contains("stage 'persons' takes StoredEvent") })
    }
}
