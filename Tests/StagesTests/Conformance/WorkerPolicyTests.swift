// The worker's retry and dead-letter policy (WorkerLoop), in process on the in-memory twins:
// outages are retried without limit and dead-letter nothing; an event the store refuses is
// dead-lettered after `max_attempts`, alone, and the rest of its message and group is stored.

import Foundation
import PipelineKit
import Stages
import Testing

@Suite struct WorkerPolicyTests {
    struct Running {
        let queue: MemoryQueue
        let store: MemoryStore
        let worker: WorkerLoop
    }

    func running(maxAttempts: Int = 3, backoffMilliseconds: Int = 1, store: String = "{}", _ body: (Running) async throws -> Void) async throws {
        let graph = try compile(
            """
            worker: {prefetch: 50, max_attempts: \(maxAttempts), backoff_ms: \(backoffMilliseconds), max_backoff_ms: \(max(5, backoffMilliseconds))}
            stages:
              - validate: {max_id_length: 64}
              - queue: {memory: {}}
              - persist: {memory: \(store)}
              - aggregate
            """, plugins: testPlugins)
        let runtime = try await graph.build(context: BuildContext(baseDirectory: "/", logger: testLogger, role: .all))
        let queue = try #require(runtime.queue as? MemoryQueue)
        let store = try #require(runtime.store as? MemoryStore)
        let path = try #require(runtime.worker)
        let worker = WorkerLoop(queue: queue, path: path, settings: runtime.settings, logger: testLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            let error = await failure { try await body(Running(queue: queue, store: store, worker: worker)) }
            group.cancelAll()
            if let error { throw error }
        }
    }

    func waitFor(_ what: Comment, deadline: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("timed out waiting: \(what)")
    }

    @Test func anOutageIsRetriedUntilTheStoreIsBackAndDeadLettersNothing() async throws {
        try await running(maxAttempts: 2) { run in
            run.store.failNextWrites(6, with: MemoryStoreError.unavailable("connection refused"))
            try await run.queue.publish([event("o1"), event("o2")])
            try await waitFor("stored after the outage") { run.store.storedEvents.count == 2 }
            #expect(run.store.writeCount >= 7, "six failed writes, then the one that went through")
            #expect(run.queue.deadLetters.isEmpty, "more failures than max_attempts, but all outages")
            try await waitFor("acknowledged") { run.queue.depth == (0, 0) }
        }
    }

    @Test func aRefusedEventIsDeadLetteredAloneAndTheRestOfItsMessageIsStored() async throws {
        try await running(maxAttempts: 3) { run in
            run.store.refuse { $0.eventID == "bad" ? "value the schema cannot hold" : nil }
            try await run.queue.publish([event("g1"), event("g2")])
            try await run.queue.publish([event("bad"), event("g3")])
            try await run.queue.publish([event("g4")])
            try await waitFor("the refused event dead-lettered") { run.store.deadLetters.count == 1 }
            try await waitFor("every message acknowledged") { run.queue.depth == (0, 0) }
            #expect(Set(run.store.storedEvents.map(\.eventID)) == ["g1", "g2", "g3", "g4"])
            let letter = try #require(run.store.deadLetters.first)
            #expect(try QueueMessage.decode(letter.body).map(\.eventID) == ["bad"])
            #expect(letter.reason.contains("value the schema cannot hold"))
            #expect(run.queue.deadLetters.isEmpty, "no message goes to the queue's dead letters: its good events are stored")
            #expect(try await run.store.stats(top: 5).totalEvents == 4, "rollups count exactly the stored events")
        }
    }

    @Test func oneRefusedEventInAHundredCostsAboutTwoLogNTries() async throws {
        try await running(maxAttempts: 2) { run in
            run.store.refuse { $0.eventID == "e-37" ? "refused" : nil }
            try await run.queue.publish((0..<100).map { event("e-\($0)") })
            try await waitFor("acknowledged") { run.queue.depth == (0, 0) }
            #expect(run.store.storedEvents.count == 99)
            #expect(run.store.deadLetters.map { try? QueueMessage.decode($0.body).map(\.eventID) } == [["e-37"]])
            #expect(try await run.store.stats(top: 1).totalEvents == 99)
            // The group, then two halves per level (7 levels for 100), then the extra attempt alone.
            #expect(run.store.writeCount <= 1 + 2 * 7 + 1, "\(run.store.writeCount) writes")
        }
    }

    @Test func eventsBeyondTheStoresDeclaredLimitsAreDeadLetteredWithoutAWrite() async throws {
        // Published without the ingest path's validate, as an ingest node with other limits
        // (an older version, its own config) could have accepted them.
        try await running(store: "{max_id_bytes: 64}") { run in
            let long = String(repeating: "x", count: 65)
            var batch = (0..<100).map { event("l-\($0)") }
            batch[10] = event(long)
            batch[60] = event("l-60-\u{0}")
            try await run.queue.publish(batch)
            try await waitFor("acknowledged") { run.queue.depth == (0, 0) }
            #expect(run.store.storedEvents.count == 98)
            #expect(run.store.writeCount == 1, "one write: the refusals cost none")
            #expect(try await run.store.stats(top: 1).totalEvents == 98)
            let letters = run.store.deadLetters
            #expect(letters.map { try? QueueMessage.decode($0.body).map(\.eventID) } == [[long], ["l-60-\u{0}"]])
            #expect(letters.first?.reason.contains("event_id is 65 bytes; the store holds at most 64") == true, "\(letters.map(\.reason))")
            #expect(letters.last?.reason.contains("U+0000") == true, "\(letters.map(\.reason))")
        }
    }

    @Test func refusalsAreRetriedWithoutWaiting() async throws {
        // With a 5 s backoff, a wait between the four tries would take 15 s: from the first
        // write to the dead letter they must take far less.
        try await running(maxAttempts: 4, backoffMilliseconds: 5000) { run in
            run.store.refuse { $0.eventID == "bad" ? "value the schema cannot hold" : nil }
            try await run.queue.publish([event("bad")])
            try await waitFor("the first write") { run.store.writeCount >= 1 }
            let firstWrite = ContinuousClock.now
            try await waitFor("dead-lettered") { run.store.deadLetters.count == 1 }
            #expect(ContinuousClock.now - firstWrite < .seconds(4), "the tries waited between them")
            #expect(run.store.writeCount == 4)
        }
    }

    @Test func maxAttemptsIsHonoured() async throws {
        for maxAttempts in [1, 4] {
            try await running(maxAttempts: maxAttempts) { run in
                run.store.refuse { _ in "never" }
                try await run.queue.publish([event("alone")])
                try await waitFor("dead-lettered") { run.store.deadLetters.count == 1 }
                #expect(run.store.writeCount == maxAttempts, "max_attempts \(maxAttempts)")
            }
        }
    }

    @Test func aMessageThatDoesNotDecodeIsDeadLetteredAtOnce() async throws {
        try await running { run in
            try run.queue.publish(body: Array("not an event batch".utf8))
            try await run.queue.publish([event("after")])
            try await waitFor("dead-lettered") { run.queue.deadLetters.count == 1 }
            try await waitFor("the next message stored") { run.store.storedEvents.count == 1 }
            #expect(run.store.writeCount == 1, "the undecodable message never reached the store")
        }
    }
}
