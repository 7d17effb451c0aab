import GRDB
import PipelineKit
import Testing

@testable import Stages

@Suite struct EmbeddedQueueTests {
    @Test func publishedBatchesAreConsumedInOrderAndAckRemovesThem() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite")
        try await queue.publish([event("a"), event("b")])
        try await queue.publish([event("c")])
        let consumer = try await queue.makeConsumer(prefetch: 10)
        let deliveries = try #require(try await consumer.next(maxWait: .seconds(1)))
        #expect(try deliveries.flatMap { try EventBatchCodec.decode($0.body) }.map(\.eventID) == ["a", "b", "c"])
        try await consumer.ack(deliveries)
        #expect(try await queue.depth().messages == 0)
    }

    @Test func unackedMessagesAreDeliveredAgainAfterReopening() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        do {
            let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite")
            try await queue.publish([event("a")])
            let consumer = try await queue.makeConsumer(prefetch: 10)
            #expect(try await consumer.next(maxWait: .seconds(1))?.count == 1)
            // No ack: the process "dies" here.
        }
        let reopened = try EmbeddedQueue(path: dir.path + "/q.sqlite")
        let again = try #require(try await reopened.makeConsumer(prefetch: 10).next(maxWait: .seconds(1)))
        #expect(again.count == 1 && again[0].redelivered)
    }

    @Test func concurrentPublishesAllBecomeDurable() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 { group.addTask { try await queue.publish([event("e\(index)")]) } }
            try await group.waitForAll()
        }
        // Every publish returned, so every message must be in the file, seen by a new connection.
        let reopened = try EmbeddedQueue(path: dir.path + "/q.sqlite")
        #expect(try await "\(reopened.depth())" == "(messages: 200, events: 200, deadLetters: 0)")
    }

    /// What makes a returned publish durable (README: "committed to SQLite with
    /// synchronous=FULL in WAL mode, so fsynced"): the connection publishes commit through, and
    /// the file itself as any other connection opens it.
    @Test func publishesCommitInWALModeWithSynchronousFull() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite")
        try await queue.publish([event("a")])
        let writer = try await queue.database.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(writer.0 == "wal")
        #expect(writer.1 == 2, "PRAGMA synchronous is \(writer.1.map(String.init) ?? "nil"); 2 is FULL")
        let other = try DatabaseQueue(path: dir.path + "/q.sqlite")
        #expect(try await other.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func aWaitingConsumerWakesOnPublish() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite")
        let consumer = try await queue.makeConsumer(prefetch: 10)
        async let waited = consumer.next(maxWait: .seconds(30))
        try await queue.publish([event("late")])
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await waited?.count == 1)
        #expect(clock.now - start < .seconds(10))
    }

    @Test func deadLetterMovesTheMessageAside() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite")
        try await queue.publish([event("a")])
        let consumer = try await queue.makeConsumer(prefetch: 10)
        let delivery = try #require(try await consumer.next(maxWait: .seconds(1))?.first)
        try await consumer.deadLetter(delivery, reason: "poison")
        #expect(try await "\(queue.depth())" == "(messages: 0, events: 0, deadLetters: 1)")
    }

    @Test func workerLoopsOfOneQueueGetDifferentMessagesInIdOrder() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite", consumers: 2)
        #expect(queue.consumers == 2)
        for index in 0..<6 { try await queue.publish([event("e\(index)")]) }
        let first = try await queue.makeConsumer(prefetch: 2)
        let second = try await queue.makeConsumer(prefetch: 2)
        let a = try #require(try await first.next(maxWait: .seconds(1)))
        let b = try #require(try await second.next(maxWait: .seconds(1)))
        let c = try #require(try await first.next(maxWait: .seconds(1)))
        let ids = try [a, b, c].map { try $0.flatMap { try EventBatchCodec.decode($0.body) }.map(\.eventID) }
        #expect(ids == [["e0", "e1"], ["e2", "e3"], ["e4", "e5"]])
        // Acked out of order: the queue is empty all the same.
        try await first.ack(c)
        try await second.ack(b)
        try await first.ack(a)
        #expect(try await queue.depth().messages == 0)
    }

    @Test func whatAFailedConsumerHeldIsDeliveredAgain() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite", consumers: 2)
        for index in 0..<4 { try await queue.publish([event("e\(index)")]) }
        let failing = try await queue.makeConsumer(prefetch: 2)
        let other = try await queue.makeConsumer(prefetch: 2)
        let held = try #require(try await failing.next(maxWait: .seconds(1)))
        let stored = try #require(try await other.next(maxWait: .seconds(1)))
        try await other.ack(stored)
        // The worker loop closes a consumer that failed and opens a new one.
        await failing.close()
        let reopened = try await queue.makeConsumer(prefetch: 10)
        let again = try #require(try await reopened.next(maxWait: .seconds(1)))
        #expect(again.map(\.tag) == held.map(\.tag))
    }

    @Test func withoutABacklogOneLoopAtATimeTakesWhatArrives() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let queue = try EmbeddedQueue(path: dir.path + "/q.sqlite", consumers: 2)
        try await queue.publish([event("a")])
        let first = try await queue.makeConsumer(prefetch: 10)
        let second = try await queue.makeConsumer(prefetch: 10)
        let held = try #require(try await first.next(maxWait: .seconds(1)))
        try await queue.publish([event("b")])
        // The first group did not fill up: "b" waits for a loop that holds nothing.
        #expect(try await second.next(maxWait: .milliseconds(100))?.isEmpty == true)
        try await first.ack(held)
        let next = try #require(try await first.next(maxWait: .seconds(1)))
        #expect(try next.flatMap { try EventBatchCodec.decode($0.body) }.map(\.eventID) == ["b"])
    }
}
