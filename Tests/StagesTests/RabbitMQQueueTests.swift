// Integration tests of the RabbitMQ queue driver against a real broker. Start one with
// `scripts/services/rabbitmq.sh start DIR` and export the URL it prints; without
// SMOLHOG_TEST_RABBITMQ_URL the broker tests are disabled. Each test uses its own queues.

import Foundation
import Logging
import PipelineKit
import Testing

@testable import Stages

private let brokerURL = ProcessInfo.processInfo.environment["SMOLHOG_TEST_RABBITMQ_URL"]

@Suite(
    .enabled(
        if: brokerURL != nil,
        "SMOLHOG_TEST_RABBITMQ_URL is unset: start a broker with scripts/services/rabbitmq.sh start DIR and export the URL it prints"))
struct RabbitMQQueueTests {
    @Test func publishedBatchesComeBackDecodable() async throws {
        try await withQueue("roundtrip") { queue in
            #expect(try await queueTypes()[queue.config.queue] == "classic")
            let batches = [events(3, tag: "a"), events(1, tag: "b")]
            for batch in batches { try await queue.publish(batch) }
            let consumer = try await queue.makeConsumer(prefetch: 10)
            let deliveries = try await collect(from: consumer, count: 2)
            #expect(try deliveries.map { try EventBatchCodec.decode($0.body) } == batches)
            #expect(deliveries.allSatisfy { !$0.redelivered })
            try await consumer.ack(deliveries)
            await consumer.close()
        }
    }

    @Test func quorumQueueRoundTrip() async throws {
        try await withQueue("quorum", quorum: true) { queue in
            // The broker's own answer (rabbitmqctl on the node scripts/services/rabbitmq.sh started).
            #expect(try await queueTypes()[queue.config.queue] == "quorum")
            try await queue.publish(events(2, tag: "q"))
            let consumer = try await queue.makeConsumer(prefetch: 5)
            let deliveries = try await collect(from: consumer, count: 1)
            try await consumer.ack(deliveries)
            await consumer.close()
            #expect(try await waitFor { try await queue.depth().messages == 0 })
        }
    }

    @Test func concurrentPublishesAreAllConfirmed() async throws {
        try await withQueue("pipelined") { queue in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 { group.addTask { try await queue.publish(events(1, tag: "p\(index)")) } }
                try await group.waitForAll()
            }
            #expect(try await waitFor { try await queue.depth().messages == 200 })
        }
    }

    @Test func ackedMessagesAreGoneAndUnackedOnesStay() async throws {
        try await withQueue("ack") { queue in
            for tag in ["a", "b", "c", "d"] { try await queue.publish(events(1, tag: tag)) }
            let consumer = try await queue.makeConsumer(prefetch: 10)
            let deliveries = try await collect(from: consumer, count: 4)
            // The first two with one `multiple` ack, the last alone; the third stays unacked.
            try await consumer.ack([deliveries[0], deliveries[1], deliveries[3]])
            await consumer.close()
            #expect(try await waitFor { try await queue.depth().messages == 1 })
            let again = try await queue.makeConsumer(prefetch: 10)
            let left = try await collect(from: again, count: 1)
            #expect(left.map(\.body) == [deliveries[2].body])
            try await again.ack(left)
            await again.close()
            #expect(try await waitFor { try await queue.depth().messages == 0 })
        }
    }

    @Test func unackedMessagesAreRedeliveredAfterClose() async throws {
        try await withQueue("redeliver") { queue in
            let batch = events(2, tag: "r")
            try await queue.publish(batch)
            let first = try await queue.makeConsumer(prefetch: 5)
            let held = try await collect(from: first, count: 1)
            await first.close()
            #expect(try await first.next(maxWait: .milliseconds(10)) == nil)
            let second = try await queue.makeConsumer(prefetch: 5)
            let again = try await collect(from: second, count: 1)
            #expect(again[0].redelivered)
            #expect(again[0].body == held[0].body)
            #expect(try EventBatchCodec.decode(again[0].body) == batch)
            try await second.ack(again)
            await second.close()
        }
    }

    @Test func deadLetterLandsInTheDeadLetterQueueWithItsReason() async throws {
        try await withQueue("dlq") { queue in
            try await queue.publish(events(1, tag: "poison"))
            let consumer = try await queue.makeConsumer(prefetch: 5)
            let delivery = try await collect(from: consumer, count: 1)[0]
            try await consumer.deadLetter(delivery, reason: "undecodable message: test poison")
            await consumer.close()
            #expect(
                try await waitFor {
                    let depth = try await queue.depth()
                    return depth.messages == 0 && depth.deadLetters == 1
                })
            let fetched = try await onThread { session in try session.get(queue: queue.config.resolvedDeadLetterQueue, channel: 1) }
            #expect(fetched?.body == delivery.body)
            #expect(fetched?.headers["x-smolhog-reason"] == "undecodable message: test poison")
            #expect(fetched?.headers["x-smolhog-queue"] == queue.config.queue)
        }
    }

    @Test func publisherReconnectsAfterTheConnectionDrops() async throws {
        try await withQueue("reconnect") { queue in
            try await queue.publish(events(1, tag: "before"))
            #expect(queue.publisher.dropConnection())
            // Fails until the link has reconnected (the dropped socket cannot send), then succeeds.
            #expect(try await waitFor { (try? await queue.publish(events(1, tag: "after"))) != nil })
            #expect(await queue.health().up)
            #expect(try await waitFor { try await queue.depth().messages >= 2 })
        }
    }

    @Test func consumerReconnectsAndAStaleAckIsHarmless() async throws {
        try await withQueue("consumer-reconnect") { queue in
            try await queue.publish(events(1, tag: "x"))
            guard let consumer = try await queue.makeConsumer(prefetch: 5) as? RabbitMQConsumer else {
                Issue.record("expected a RabbitMQConsumer")
                return
            }
            let held = try await collect(from: consumer, count: 1)
            #expect(try await waitFor { consumer.link.dropConnection() })
            let again = try await collect(from: consumer, count: 1)
            #expect(again[0].redelivered && again[0].body == held[0].body)
            // The tag of the dropped connection is `again`'s tag on the new one: the stale ack
            // must not ack `again`, so closing the consumer puts `again` back in the queue.
            try await consumer.ack(held)
            await consumer.close()
            #expect(try await waitFor { try await queue.depth().messages == 1 }, "the stale ack acked the redelivery")
            let next = try await queue.makeConsumer(prefetch: 5)
            let third = try await collect(from: next, count: 1)
            #expect(third[0].redelivered && third[0].body == held[0].body)
            try await next.ack(third)
            await next.close()
            #expect(try await waitFor { try await queue.depth().messages == 0 })
        }
    }
}

@Suite struct RabbitMQQueueOfflineTests {
    @Test func publishFailsFastWhenTheBrokerIsUnreachable() async throws {
        var config = RabbitMQQueueConfig()
        config.url = "amqp://guest:guest@127.0.0.1:1/"  // tcpmux: nothing listens there
        config.queue = "unreachable"
        // Far above the bound below: a publish that waited for the connect timeout fails the
        // test, while a loaded machine's scheduling delays do not.
        config.connectTimeoutMilliseconds = 30_000
        let queue = try RabbitMQQueue(config: config, logger: rabbitLogger)
        for _ in 0..<3 {
            let started = ContinuousClock.now
            do {
                try await queue.publish(events(1, tag: "x"))
                Issue.record("publish to a closed port succeeded")
            } catch let error as PipelineError {
                #expect(error.code == .queueUnavailable)
            }
            #expect(ContinuousClock.now - started < .seconds(10))
        }
        let health = await queue.health()
        #expect(!health.up)
        #expect(health.detail?.contains("127.0.0.1") == true)
        await queue.shutdown()
    }

    @Test func configDefaultsAndProblems() throws {
        let endpoint = try AMQPEndpoint(url: "amqp://guest:guest@127.0.0.1:5672/")
        #expect(endpoint.vhost == "/" && endpoint.port == 5672 && endpoint.user == "guest")
        #expect(try AMQPEndpoint(url: "amqp://u%40x:p@host/%2Fprod").vhost == "/prod")
        var config = RabbitMQQueueConfig()
        #expect(config.problems().isEmpty)
        #expect(config.resolvedDeadLetterQueue == "events.dead")
        config.url = "amqps://host/"
        config.deadLetterQueue = "events"
        config.prefetch = 0
        #expect(Set(config.problems().map { $0.path }) == [["url"], ["dead_letter_queue"], ["prefetch"]])
    }
}

// MARK: - Helpers

private let rabbitLogger = Logger(label: "smolhog.test.rabbitmq")

private func events(_ count: Int, tag: String) -> [Event] {
    (0..<count).map { index in
        Event(
            eventID: "\(tag)-\(index)-\(UUID().uuidString)", eventName: "test_\(tag)", userID: "user-\(index)",
            properties: ["index": .number(JSONNumber(index)), "tag": .string(tag)], timestamp: Timestamp(microseconds: 1_700_000_000_000_000),
            sessionID: index.isMultiple(of: 2) ? "s-\(tag)" : nil, receivedAt: Timestamp(microseconds: 1_700_000_000_500_000))
    }
}

/// A queue with unique names for one test; its queues are deleted afterwards.
private func withQueue(_ name: String, quorum: Bool = false, _ body: (RabbitMQQueue) async throws -> Void) async throws {
    var config = RabbitMQQueueConfig()
    config.quorum = quorum
    config.url = brokerURL ?? config.url
    config.queue = "smolhog-test-\(name)-\(UUID().uuidString.prefix(8))"
    config.connectTimeoutMilliseconds = 2000
    config.reconnectBackoffMilliseconds = 50
    config.maxReconnectBackoffMilliseconds = 500
    let queue = try RabbitMQQueue(config: config, logger: rabbitLogger)
    #expect(await queue.waitForConnection(timeout: .seconds(10)))
    do {
        try await body(queue)
    } catch {
        Issue.record("\(error)")
    }
    await queue.shutdown()
    let names = [config.queue, config.resolvedDeadLetterQueue]
    _ = try await onThread { session in
        for name in names { try session.deleteQueue(name, channel: 1) }
    }
}

/// Reads from `consumer` until `count` deliveries arrived (or fails after `deadline`).
private func collect(from consumer: any QueueConsumer, count: Int, deadline: Duration = .seconds(10)) async throws -> [Delivery] {
    let end = ContinuousClock.now + deadline
    var deliveries: [Delivery] = []
    while deliveries.count < count && ContinuousClock.now < end {
        guard let batch = try await consumer.next(maxWait: .milliseconds(200)) else { break }
        deliveries += batch
    }
    try #require(deliveries.count == count, "expected \(count) deliveries, got \(deliveries.count)")
    return deliveries
}

/// Polls `condition` until it holds or `deadline` passes (never a fixed sleep).
private func waitFor(deadline: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let end = ContinuousClock.now + deadline
    while ContinuousClock.now < end {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Each queue's type (`classic`, `quorum`) as the broker reports it, read with rabbitmqctl on
/// the node scripts/services/rabbitmq.sh started in $SMOLHOG_TEST_RABBITMQ_DIR.
private func queueTypes() async throws -> [String: String] {
    let dir = try #require(
        ProcessInfo.processInfo.environment["SMOLHOG_TEST_RABBITMQ_DIR"], "SMOLHOG_TEST_RABBITMQ_DIR is unset (scripts/test.sh sets it)")
    let script = "source '\(dir)/node.env' && /usr/lib/rabbitmq/bin/rabbitmqctl -q -n \"$RABBITMQ_NODENAME\" list_queues name type"
    let result = try await ChildProcess.run("/bin/bash", ["-c", script], timeout: .seconds(60))
    try #require(result.status == 0 && !result.timedOut, "rabbitmqctl list_queues failed: \(result.output)")
    var types: [String: String] = [:]
    for line in result.output.split(separator: "\n") {
        let parts = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
        if parts.count == 2 { types[String(parts[0])] = String(parts[1]) }
    }
    return types
}

/// Runs `body` with a fresh AMQP session on its own thread (the C calls block).
private func onThread<T: Sendable>(_ body: @escaping @Sendable (AMQPSession) throws -> T) async throws -> T {
    let endpoint = try AMQPEndpoint(url: brokerURL ?? "amqp://127.0.0.1/")
    return try await withCheckedThrowingContinuation { continuation in
        Thread {
            do {
                let session = try AMQPSession(endpoint: endpoint, timeout: .seconds(5), heartbeatSeconds: 0)
                try session.openChannel(1)
                let result = try body(session)
                session.close()
                continuation.resume(returning: result)
            } catch {
                continuation.resume(throwing: error)
            }
        }.start()
    }
}
