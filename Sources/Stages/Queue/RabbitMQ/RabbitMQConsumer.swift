// RabbitMQConsumer: the QueueConsumer over RabbitMQ, one connection per worker loop. Owns
// the worker-facing calls; the consumer link's thread does the AMQP work.

import Logging
import PipelineKit

/// Reads the queue for one worker loop over its own connection (so a blocked publisher
/// connection never stalls consumption). Reconnects by itself; deliveries of a lost
/// connection are redelivered by the broker and flagged `redelivered`.
final class RabbitMQConsumer: QueueConsumer {
    let link: AMQPLink<ConsumerRole>
    private let buffer: DeliveryBuffer

    init(queue: RabbitMQQueue, prefetch: Int) throws {
        let buffer = DeliveryBuffer()
        self.buffer = buffer
        let tracker = ConfirmTracker()
        let config = queue.config
        let logger = queue.logger
        let clamped = min(max(prefetch, 1), 65535)
        link = try AMQPLink(name: "consumer", endpoint: queue.endpoint, timings: queue.timings, logger: logger, trackers: [tracker]) {
            ConsumerRole(config: config, prefetch: clamped, buffer: buffer, tracker: tracker, logger: logger)
        }
        link.start()
    }

    func next(maxWait: Duration) async throws -> [Delivery]? {
        guard let ready = buffer.take() else { return nil }
        if !ready.isEmpty { return ready }
        await buffer.wait(maxWait: maxWait)
        return buffer.take()
    }

    /// Never throws: an ack that cannot reach the broker (connection lost) is harmless, as
    /// the broker redelivers the message and the store skips its events as duplicates.
    func ack(_ deliveries: [Delivery]) async throws {
        guard !deliveries.isEmpty else { return }
        let tags = deliveries.map(\.tag)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !link.send(.ack(tags: tags, continuation: continuation)) { continuation.resume() }
        }
    }

    /// Publishes the body to the dead-letter queue (header `x-smolhog-reason`), waits for
    /// the broker's confirm, then acks the original. Throws `queueUnavailable` when the
    /// broker refuses the dead-letter publish or does not confirm it in time (the original
    /// stays unacknowledged). When the connection is lost instead, it returns normally: the
    /// original goes back to the queue and will be dead-lettered when it comes again.
    func deadLetter(_ delivery: Delivery, reason: String) async throws {
        let (tag, body) = (delivery.tag, delivery.body)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if !link.send(.deadLetter(tag: tag, body: body, reason: reason, continuation: continuation)) {
                continuation.resume(throwing: unavailable("the RabbitMQ consumer is closed"))
            }
        }
    }

    func close() async {
        buffer.close()
        await link.close()
    }
}
