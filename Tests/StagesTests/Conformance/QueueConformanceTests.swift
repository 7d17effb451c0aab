// One suite of queue behaviour, run against every queue driver: the in-memory twin, the
// embedded queue, and RabbitMQ (the real broker at SMOLHOG_TEST_RABBITMQ_URL). A new driver
// joins by adding a case to `QueueUnderTest`.

import Foundation
import Logging
import PipelineKit
import Stages
import Testing

enum QueueUnderTest: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, embedded, rabbitmq
    var testDescription: String { rawValue }

    static let brokerURL = ProcessInfo.processInfo.environment["SMOLHOG_TEST_RABBITMQ_URL"]
    static let available = allCases.filter { $0 != .rabbitmq || brokerURL != nil }

    /// Runs `body` with a way to open the same queue (its storage or broker queue) again,
    /// as a restarted process would: `open()` returns a fresh connection each call.
    func with(_ body: (_ open: () async throws -> any EventQueue) async throws -> Void) async throws {
        switch self {
        case .memory:
            // One process: "opening again" is the same queue; durability across a restart is
            // exactly what the twin does not promise.
            let queue = MemoryQueue()
            try await body { queue }
        case .embedded:
            let dir = try TemporaryDirectory()
            defer { dir.cleanup() }
            try await body { try EmbeddedQueue(path: dir.path + "/q.sqlite") }
        case .rabbitmq:
            var config = RabbitMQQueueConfig()
            config.url = Self.brokerURL ?? config.url
            config.queue = "smolhog-conformance-\(UUID().uuidString.prefix(8))"
            config.connectTimeoutMilliseconds = 2000
            config.reconnectBackoffMilliseconds = 50
            let opened = OpenedQueues()
            try await body {
                let queue = try RabbitMQQueue(config: config, logger: Logger(label: "smolhog.test.conformance"))
                try #require(await queue.waitForConnection(timeout: .seconds(10)))
                await opened.add(queue)
                return queue
            }
            for queue in await opened.all { await queue.shutdown() }
        }
    }
}

actor OpenedQueues {
    var all: [any EventQueue] = []
    func add(_ queue: any EventQueue) { all.append(queue) }
}

@Suite struct QueueConformanceTests {
    static let queues = QueueUnderTest.available

    /// Reads until `count` deliveries arrived or `deadline` passes.
    func collect(_ consumer: any QueueConsumer, count: Int, deadline: Duration = .seconds(10)) async throws -> [Delivery] {
        let end = ContinuousClock.now + deadline
        var deliveries: [Delivery] = []
        while deliveries.count < count && ContinuousClock.now < end {
            guard let batch = try await consumer.next(maxWait: .milliseconds(100)) else { break }
            deliveries += batch
        }
        return deliveries
    }

    func ids(_ deliveries: [Delivery]) throws -> [String] {
        try deliveries.flatMap { try EventBatchCodec.decode($0.body).map(\.eventID) }
    }

    @Test(arguments: queues) func aPublishedBatchIsThereForAConsumerOfANewConnection(kind: QueueUnderTest) async throws {
        try await kind.with { open in
            let publisher = try await open()
            try await publisher.publish([event("d1"), event("d2")])
            try await publisher.publish([event("d3")])
            if kind != .memory { await publisher.shutdown() }
            let consumer = try await open().makeConsumer(prefetch: 10)
            let deliveries = try await collect(consumer, count: 2)
            #expect(try ids(deliveries) == ["d1", "d2", "d3"], "in publish order, whole")
            // The embedded queue cannot know whether a process that died had these: after a
            // restart it flags every message it found as possibly redelivered.
            #expect(kind == .embedded || deliveries.allSatisfy { !$0.redelivered })
            try await consumer.ack(deliveries)
            await consumer.close()
        }
    }

    @Test(arguments: queues) func onlyAcknowledgedMessagesAreGoneAndTheRestComeBackRedelivered(kind: QueueUnderTest) async throws {
        try await kind.with { open in
            let queue = try await open()
            for index in 0..<4 { try await queue.publish([event("m\(index)")]) }
            let first = try await queue.makeConsumer(prefetch: 10)
            let delivered = try await collect(first, count: 4)
            try #require(delivered.count == 4)
            // The store committed the first two; the worker dies holding the others.
            try await first.ack(Array(delivered.prefix(2)))
            await first.close()
            let second = try await queue.makeConsumer(prefetch: 10)
            let again = try await collect(second, count: 2)
            #expect(try ids(again) == ["m2", "m3"])
            #expect(again.allSatisfy { $0.redelivered })
            try await second.ack(again)
            #expect(try await second.next(maxWait: .milliseconds(300))?.isEmpty == true, "nothing acknowledged comes back")
            await second.close()
        }
    }

    @Test(arguments: queues) func aDeadLetteredMessageIsNeverDeliveredAgain(kind: QueueUnderTest) async throws {
        try await kind.with { open in
            let queue = try await open()
            try await queue.publish([event("poison")])
            try await queue.publish([event("fine")])
            let consumer = try await queue.makeConsumer(prefetch: 10)
            let delivered = try await collect(consumer, count: 2)
            try #require(delivered.count == 2)
            try await consumer.deadLetter(delivered[0], reason: "store refuses it")
            try await consumer.ack([delivered[1]])
            await consumer.close()
            let next = try await queue.makeConsumer(prefetch: 10)
            #expect(try await next.next(maxWait: .milliseconds(300))?.isEmpty == true)
            await next.close()
            if let memory = queue as? MemoryQueue {
                #expect(memory.deadLetters.map(\.reason) == ["store refuses it"])
            }
        }
    }

    @Test(arguments: queues) func healthIsUpWhileTheQueueTakesPublishes(kind: QueueUnderTest) async throws {
        try await kind.with { open in
            let queue = try await open()
            #expect(await queue.health().up)
            if let memory = queue as? MemoryQueue {
                memory.failPublishes(with: MemoryQueueError("disk full"))
                #expect(await !memory.health().up)
                await #expect(throws: MemoryQueueError.self) { try await memory.publish([event("refused")]) }
            }
        }
    }
}
