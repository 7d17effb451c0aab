// A model-based test of the SQLite store's write index (the stored-id tiers and their
// filter, the recent-id map, the per-user and per-name page tiers, the known bucket users):
// random writes, redeliveries, duplicate ids in a batch, rolled-back transactions, idle
// releases and restarts, each checked against a plain set and sorted arrays. Small tiers
// make rows move between tiers every few writes.

import Foundation
import PipelineKit
import Testing

@testable import Stages

/// SplitMix64: the same seed gives the same run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the store should hold: every stored event once, in insertion order.
struct StoreModel {
    var events: [Event] = []
    var ids: Set<String> = []

    /// The events of `batch` a store inserts: new ids, first occurrence only.
    mutating func insert(_ batch: [Event]) -> [String] {
        var inserted: [String] = []
        for event in batch where ids.insert(event.eventID).inserted {
            events.append(event)
            inserted.append(event.eventID)
        }
        return inserted
    }

    /// Newest first; among equal timestamps, the later insert first (row ids grow).
    func page(name: String?, user: String?) -> [String] {
        events.enumerated()
            .filter { (name == nil || $0.element.eventName == name) && (user == nil || $0.element.userID == user) }
            .sorted { ($0.element.timestamp, $0.offset) > ($1.element.timestamp, $1.offset) }
            .map(\.element.eventID)
    }
}

@Suite struct SQLiteWriteIndexModelTests {
    static let names = ["signup", "view", "click", "buy", "leave"]
    static let users = (0..<9).map { "user-\($0)" }
    let aggregate = AggregateStage(intervals: [.day, .hour])

    func randomEvent(_ random: inout SeededRandom, model: StoreModel, serial: inout Int) -> Event {
        let id: String
        if !model.events.isEmpty && Int.random(in: 0..<4, using: &random) == 0 {
            id = model.events[Int.random(in: 0..<model.events.count, using: &random)].eventID  // a redelivery
        } else {
            serial += 1
            id = String(UInt64.random(in: 0...UInt64.max, using: &random), radix: 16) + "-\(serial)"
        }
        // Few distinct timestamps, so pages must break ties by row id.
        let micros = Int64(1_714_953_600_000_000) + Int64.random(in: 0..<40, using: &random) * 3_600_000_000
        return Event(
            eventID: id, eventName: Self.names[Int.random(in: 0..<Self.names.count, using: &random)],
            userID: Self.users[Int.random(in: 0..<Self.users.count, using: &random)], properties: ["n": .number(JSONNumber(serial))],
            timestamp: Timestamp(microseconds: micros), receivedAt: Timestamp(microseconds: micros))
    }

    func write(_ store: SQLiteStore, _ batch: [Event]) async throws -> [String] {
        let aggregate = self.aggregate
        return try await store.write(batch) { try aggregate.apply(Batch($0)).items }.map(\.event.eventID)
    }

    func walk(_ store: SQLiteStore, name: String?, user: String?) async throws -> [String] {
        var seen: [String] = []
        var cursor: EventCursor?
        repeat {
            let page = try await store.events(EventQuery(limit: 7, eventName: name, userID: user, after: cursor))
            seen += page.rows.map(\.event.eventID)
            cursor = page.next
        } while cursor != nil && seen.count < 100_000
        return seen
    }

    func check(_ store: SQLiteStore, against model: StoreModel, step: Int) async throws {
        let stats = try await store.stats(top: 10)
        #expect(stats.totalEvents == Int64(model.events.count), "step \(step)")
        #expect(stats.uniqueUsers == Int64(Set(model.events.map(\.userID)).count), "step \(step)")
        for name in [nil] + Self.names.map(Optional.some) {
            #expect(try await walk(store, name: name, user: nil) == model.page(name: name, user: nil), "step \(step): page of \(name ?? "every name")")
        }
        for user in Self.users {
            #expect(try await walk(store, name: nil, user: user) == model.page(name: nil, user: user), "step \(step): page of \(user)")
        }
        let from = Timestamp(microseconds: 1_714_953_600_000_000)
        let to = Timestamp(microseconds: from.microseconds + 3 * 86_400_000_000)
        for name in Self.names {
            let trend = try await store.trends(TrendQuery(eventName: name, from: from, to: to, interval: .hour))
            let expected = Dictionary(grouping: model.events.filter { $0.eventName == name }, by: \.timestamp)
            #expect(trend.map(\.bucket) == expected.keys.sorted(), "step \(step): buckets of \(name)")
            for point in trend {
                #expect(point.events == Int64(expected[point.bucket]?.count ?? 0), "step \(step): \(name) at \(point.bucket)")
                #expect(point.users == Int64(Set(expected[point.bucket]?.map(\.userID) ?? []).count), "step \(step): users of \(name) at \(point.bucket)")
            }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64]) func randomWritesRollbacksAndRestartsMatchTheModel(seed: UInt64) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/s.sqlite"
        var random = SeededRandom(state: seed)
        var model = StoreModel()
        var serial = 0
        var store = try SQLiteStore(path: path, recentTierRows: 7)
        for step in 0..<160 {
            switch Int.random(in: 0..<20, using: &random) {
            case 0:
                // A restart: the caches start empty, the tiers are read from the file.
                store = try SQLiteStore(path: path, recentTierRows: 7)
            case 1:
                await store.releaseMemory()
            case 2, 3:
                // A transaction that rolls back after the rows went in: nothing of it may stay.
                let batch = (0..<Int.random(in: 1...15, using: &random)).map { _ in randomEvent(&random, model: model, serial: &serial) }
                struct RolledBack: Error {}
                await #expect(throws: RolledBack.self) { _ = try await store.write(batch) { _ in throw RolledBack() } }
                if Bool.random(using: &random) {
                    // The worker retries the batch: its rows take the row ids the rolled-back ones had.
                    #expect(try await write(store, batch) == model.insert(batch), "step \(step): the retried batch")
                }
            default:
                var batch = (0..<Int.random(in: 1...25, using: &random)).map { _ in randomEvent(&random, model: model, serial: &serial) }
                if let first = batch.first, Bool.random(using: &random) { batch.append(first) }  // the same id twice in one batch
                let inserted = try await write(store, batch)
                #expect(inserted == model.insert(batch), "step \(step): the events newly inserted")
            }
            if step % 20 == 19 { try await check(store, against: model, step: step) }
        }
        store = try SQLiteStore(path: path, recentTierRows: 7)
        try await check(store, against: model, step: 160)
    }
}
