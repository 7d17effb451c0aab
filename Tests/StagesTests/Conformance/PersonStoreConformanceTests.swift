// The PersonStore part of the store conformance suite: set and set-once semantics, merges
// (the older person survives), alias chains, redelivery, concurrent writers and groups,
// against every store (memory, SQLite, PostgreSQL when SMOLHOG_TEST_POSTGRES_URL is set).

import PipelineKit
import Stages
import Testing

/// aggregate and persons, as the shipped pipeline runs them after persist.
let aggregateAndPersons: @Sendable ([StoredEvent]) throws -> [RollupDelta] = { inserted in
    try aggregate(inserted) + PersonsStage().apply(Batch(inserted)).items
}

@Suite struct PersonStoreConformanceTests {
    static let stores = StoreConformanceTests.stores

    func people(_ store: any AnalyticsStore) throws -> any PersonStore { try #require(store as? any PersonStore) }

    /// An object's members regardless of order (PostgreSQL's jsonb keeps its own).
    func members(_ object: JSONObject?) -> [String: JSONValue] {
        Dictionary(object?.members.map { ($0.key, $0.value) } ?? [], uniquingKeysWith: { first, _ in first })
    }

    @discardableResult
    func write(_ store: any AnalyticsStore, _ events: [Event]) async throws -> [StoredEvent] {
        try await store.write(events, inTransaction: aggregateAndPersons)
    }

    func set(_ id: String, _ user: String, _ properties: JSONObject, once: Bool = false, at: String = "2024-05-06T07:08:09Z") -> Event {
        event(id, name: once ? "$set_once" : "$set", user: user, at: at, properties: [once ? "$set_once" : "$set": .object(properties)])
    }

    func alias(_ id: String, _ user: String, to other: String, at: String = "2024-05-06T07:08:09Z") -> Event {
        event(id, name: "$create_alias", user: user, at: at, properties: ["alias": .string(other)])
    }

    @Test(arguments: stores) func setReplacesAndSetOnceKeepsWhatIsThere(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            try await write(store, [set("a", "u1", ["plan": "free", "name": "Ada"]), set("b", "u1", ["first_plan": "free"], once: true)])
            try await write(store, [set("c", "u1", ["plan": "pro"]), set("d", "u1", ["first_plan": "pro", "source": "ad"], once: true)])
            let person = try #require(try await people(store).person(distinctID: "u1"))
            #expect(members(person.properties) == members(["plan": "pro", "name": "Ada", "first_plan": "free", "source": "ad"]))
            #expect(person.distinctIDs == ["u1"])
            #expect(person.firstSeen == Timestamp(iso8601: "2024-05-06T07:08:09Z"))
        }
    }

    @Test(arguments: stores) func unknownIdsHaveNoPersonAndIdsWithOnlyEventsHaveAnEmptyOne(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            #expect(try await people(store).person(distinctID: "nobody") == nil)
            try await write(store, [event("a", user: "plain", at: "2024-05-01T00:00:00Z"), event("b", user: "plain", at: "2024-05-03T00:00:00Z")])
            let person = try #require(try await people(store).person(distinctID: "plain"))
            #expect(person.personID == nil)
            #expect(person.distinctIDs == ["plain"])
            #expect(person.properties.isEmpty)
            #expect(person.firstSeen == Timestamp(iso8601: "2024-05-01T00:00:00Z"))
            #expect(person.lastSeen == Timestamp(iso8601: "2024-05-03T00:00:00Z"))
        }
    }

    @Test(arguments: stores) func anAliasMergesTwoPersonsAndTheOlderSurvivesWithItsValues(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            try await write(store, [set("a", "old", ["plan": "free", "a": 1], at: "2024-05-01T00:00:00Z")])
            try await write(store, [set("b", "new", ["plan": "pro", "b": 2], at: "2024-05-02T00:00:00Z")])
            let older = try #require(try await people(store).person(distinctID: "old")?.personID)
            try await write(store, [alias("c", "new", to: "old", at: "2024-05-03T00:00:00Z")])
            for id in ["old", "new"] {
                let person = try #require(try await people(store).person(distinctID: id))
                #expect(person.personID == older)
                #expect(person.distinctIDs == ["new", "old"])
                #expect(members(person.properties) == members(["plan": "free", "a": 1, "b": 2]))
                #expect(person.firstSeen == Timestamp(iso8601: "2024-05-01T00:00:00Z"))
                #expect(person.lastSeen == Timestamp(iso8601: "2024-05-03T00:00:00Z"))
            }
            // Events of both ids are stored under their own ids; the rollups still count ids.
            let events = try await store.events(EventQuery(limit: 10, userID: "new")).rows.map(\.event.eventID)
            #expect(Set(events) == ["b", "c"])
            #expect(try await store.stats(top: 1).uniqueUsers == 2)
        }
    }

    @Test(arguments: stores) func idsOfOneBatchAndAliasChainsEndOnOnePerson(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            try await write(
                store,
                [
                    event("1", user: "anon-7"), set("2", "anon-7", ["seen": "anon"]), alias("3", "anon-7", to: "ada"), set("4", "ada", ["email": "a@x"]),
                    event("5", name: "$identify", user: "ada", properties: ["$anon_distinct_id": "device", "$set": ["name": "Ada"]]),
                ])
            try await write(store, [alias("6", "ada", to: "account"), set("7", "account", ["seen": "account"], once: true)])
            let person = try #require(try await people(store).person(distinctID: "device"))
            #expect(person.distinctIDs == ["account", "ada", "anon-7", "device"])
            #expect(members(person.properties) == members(["seen": "anon", "email": "a@x", "name": "Ada"]))
        }
    }

    @Test(arguments: stores) func illegalIdsAreNeverMerged(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            try await write(
                store,
                [
                    alias("1", "alice", to: "anonymous"), alias("2", "bob", to: "anonymous"), alias("3", "null", to: "carol"),
                    event("4", name: "$identify", user: "dave", properties: ["$anon_distinct_id": "undefined"]), set("5", "alice", ["n": 1]),
                    set("6", "bob", ["n": 2]),
                ])
            #expect(try await people(store).person(distinctID: "alice")?.distinctIDs == ["alice"])
            #expect(members(try await people(store).person(distinctID: "bob")?.properties) == ["n": 2])
            #expect(try await people(store).person(distinctID: "carol") == nil)
        }
    }

    @Test(arguments: stores) func aRedeliveredBatchChangesNothing(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            let first = [
                set("1", "u1", ["plan": "free"]), alias("2", "u1", to: "u2"),
                event("3", name: "view", user: "u3", properties: ["$groups": ["company": "acme"]]),
            ]
            try await write(store, first)
            try await write(store, [set("4", "u2", ["plan": "pro"]), set("5", "u9", ["n": 1])])
            let before = try await people(store).person(distinctID: "u1")
            #expect(try await write(store, first).isEmpty)
            #expect(try await people(store).person(distinctID: "u1") == before)
            #expect(before?.properties == ["plan": "pro"])
            #expect(try await people(store).group(GroupKey(type: "company", key: "acme"), memberLimit: 10)?.memberCount == 1)
        }
    }

    @Test(arguments: stores) func concurrentWritersMergeIntoOnePerson(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                // As many writers as the PostgreSQL test store has connections (4), so none waits for one.
                for n in 0..<4 {
                    group.addTask {
                        try await write(
                            store,
                            [
                                alias("a\(n)", "spoke-\(n)", to: "hub"), alias("b\(n)", "spoke-\(n)", to: "spoke-\((n + 1) % 4)"),
                                set("c\(n)", "spoke-\(n)", ["k\(n)": .number(JSONNumber(n))]),
                            ])
                    }
                }
                try await group.waitForAll()
            }
            let person = try #require(try await people(store).person(distinctID: "hub"))
            #expect(person.distinctIDs == ["hub"] + (0..<4).map { "spoke-\($0)" })
            #expect(person.properties.count == 4)
        }
    }

    @Test(arguments: stores) func groupsKeepTheirPropertiesMembersAndTimes(kind: StoreUnderTest) async throws {
        try await kind.with { store in
            let acme = GroupKey(type: "company", key: "acme")
            try await write(
                store,
                [
                    event(
                        "1", name: "$groupidentify", user: "u1", at: "2024-05-02T00:00:00Z",
                        properties: ["$group_type": "company", "$group_key": "acme", "$group_set": ["name": "Acme", "employees": 40]]),
                    event("2", user: "u2", at: "2024-05-01T00:00:00Z", properties: ["$groups": ["company": "acme", "project": "p1"]]),
                ])
            try await write(
                store,
                [
                    event(
                        "3", name: "$groupidentify", user: "u1", at: "2024-05-04T00:00:00Z",
                        properties: ["$group_type": "company", "$group_key": "acme", "$group_set": ["employees": 42]]),
                    event("4", user: "u3", at: "2024-05-03T00:00:00Z", properties: ["$groups": ["company": "acme"]]),
                    event("5", user: "u2", at: "2024-05-03T00:00:00Z", properties: ["$groups": ["company": "acme"]]),
                ])
            let group = try #require(try await people(store).group(acme, memberLimit: 2))
            #expect(members(group.properties) == members(["name": "Acme", "employees": 42]))
            #expect(group.memberCount == 3)
            #expect(group.members == ["u1", "u2"])
            #expect(group.firstSeen == Timestamp(iso8601: "2024-05-01T00:00:00Z"))
            #expect(group.lastSeen == Timestamp(iso8601: "2024-05-04T00:00:00Z"))
            #expect(try await people(store).group(GroupKey(type: "project", key: "p1"), memberLimit: 10)?.members == ["u2"])
            #expect(try await people(store).group(GroupKey(type: "company", key: "other"), memberLimit: 10) == nil)
        }
    }
}
