// ConsumerRole: the worker side of a RabbitMQ link. Owns basic.qos + basic.consume on
// channel 1, assembling deliveries, acks (`multiple` where it is safe), and dead-lettering
// through a confirm-mode channel 2.

import Logging
import PipelineKit

/// Consumes `queue` with manual acks. Deliveries go to a `DeliveryBuffer`; acks and
/// dead-letters come back through the link's mailbox.
final class ConsumerRole: AMQPLinkRole {
    enum Command: Sendable {
        case ack(tags: [UInt64], continuation: CheckedContinuation<Void, Never>)
        case deadLetter(tag: UInt64, body: [UInt8], reason: String, continuation: CheckedContinuation<Void, any Error>)
    }

    static let consumeChannel: UInt16 = 1
    static let deadLetterChannel: UInt16 = 2
    /// Longest reason kept in the dead-letter header (a header must fit in one frame).
    static let maxReasonBytes = 4000

    let config: RabbitMQQueueConfig
    let prefetch: Int
    let buffer: DeliveryBuffer
    let tracker: ConfirmTracker
    let logger: Logger
    private var generation: UInt32 = 0
    private var consumerTag: [UInt8] = []
    /// Delivery tags handed out on this channel and not acknowledged yet, ascending.
    private var outstanding: [UInt64] = []
    /// The delivery whose header and body frames are being read.
    private var incoming: (tag: UInt64, redelivered: Bool, size: UInt64?, body: [UInt8])?
    private var returnReason: String?

    init(config: RabbitMQQueueConfig, prefetch: Int, buffer: DeliveryBuffer, tracker: ConfirmTracker, logger: Logger) {
        self.config = config
        self.prefetch = prefetch
        self.buffer = buffer
        self.tracker = tracker
        self.logger = logger
    }

    func setUp(_ session: AMQPSession, generation: UInt32) throws {
        self.generation = generation
        outstanding = []
        incoming = nil
        returnReason = nil
        buffer.dropAll()
        releaseUnconfirmedDeadLetters(tracker.reset())
        try session.openChannel(Self.consumeChannel)
        try session.setPrefetch(prefetch, channel: Self.consumeChannel)
        try session.declareQueue(config.queue, quorum: config.quorum, channel: Self.consumeChannel)
        try session.declareQueue(config.resolvedDeadLetterQueue, quorum: config.quorum, channel: Self.consumeChannel)
        try session.openChannel(Self.deadLetterChannel)
        try session.confirmSelect(channel: Self.deadLetterChannel)
        consumerTag = try session.consume(queue: config.queue, channel: Self.consumeChannel)
    }

    /// The channel-level tag of `tag`, or nil when it belongs to an earlier connection.
    private func current(_ tag: UInt64) -> UInt64? {
        let (deliveryTag, tagGeneration) = DeliveryBuffer.split(tag)
        return tagGeneration == generation & 0xFF_FFFF ? deliveryTag : nil
    }

    func perform(_ command: Command, session: AMQPSession?) throws {
        switch command {
        case .ack(let tags, let continuation):
            defer { continuation.resume() }
            // Without a connection (or for an older one) the broker has already put these
            // messages back; they come again and the store skips their events as duplicates.
            guard let session else { return }
            try acknowledge(Set(tags.compactMap(current)), session: session)
        case .deadLetter(let tag, let body, let reason, let continuation):
            guard let session, let deliveryTag = current(tag) else {
                logger.info("Dead-letter skipped: the delivery's connection is gone and the broker will deliver it again.")
                continuation.resume()
                return
            }
            let sequence = tracker.register(continuation, timeout: .milliseconds(config.confirmTimeoutMilliseconds), originalTag: deliveryTag)
            let headers = [(key: "x-smolhog-reason", value: Self.truncated(reason)), (key: "x-smolhog-queue", value: config.queue)]
            try session.publish(
                body: body, queue: config.resolvedDeadLetterQueue, messageID: String(sequence), headers: headers, channel: Self.deadLetterChannel)
        }
    }

    /// Acks `tags`: the run of them that starts at the oldest outstanding delivery with one
    /// `multiple` ack, the rest one by one (`multiple` would also ack deliveries still in work).
    private func acknowledge(_ tags: Set<UInt64>, session: AMQPSession) throws {
        guard !tags.isEmpty else { return }
        var prefix = 0
        while prefix < outstanding.count && tags.contains(outstanding[prefix]) { prefix += 1 }
        if prefix > 0 { try session.ack(deliveryTag: outstanding[prefix - 1], multiple: prefix > 1, channel: Self.consumeChannel) }
        let covered = Set(outstanding.prefix(prefix))
        for tag in tags.subtracting(covered).sorted() where outstanding.contains(tag) {
            try session.ack(deliveryTag: tag, multiple: false, channel: Self.consumeChannel)
        }
        outstanding.removeAll { tags.contains($0) }
    }

    func handle(_ frame: AMQPFrame, session: AMQPSession) throws {
        switch frame {
        case .method(Self.consumeChannel, .basicDeliver(let tag, let redelivered)):
            incoming = (tag, redelivered, nil, [])
        case .header(Self.consumeChannel, let size, _):
            incoming?.size = size
            completeIfReady()
        case .body(Self.consumeChannel, let bytes):
            incoming?.body.append(contentsOf: bytes)
            completeIfReady()
        case .method(Self.consumeChannel, .basicCancel):
            throw AMQPError("the broker cancelled the consumer of '\(config.queue)' (queue deleted?)")
        case .method(Self.deadLetterChannel, .basicAck(let tag, let multiple)):
            for entry in tracker.settle(tag, multiple: multiple) {
                if let reason = entry.returned {
                    entry.fail(reason)
                    continue
                }
                if let original = entry.originalTag { try acknowledge([original], session: session) }
                entry.continuation.resume()
            }
        case .method(Self.deadLetterChannel, .basicNack(let tag, let multiple)):
            for entry in tracker.settle(tag, multiple: multiple) { entry.fail("RabbitMQ refused the dead-letter message (basic.nack)") }
        case .method(Self.deadLetterChannel, .basicReturn(let code, let text)):
            returnReason = "RabbitMQ could not route to dead-letter queue '\(config.resolvedDeadLetterQueue)' (\(code) \(text))"
        case .header(Self.deadLetterChannel, _, let messageID):
            if let reason = returnReason, let sequence = messageID.flatMap({ UInt64($0) }) { tracker.markReturned(sequence, reason: reason) }
            returnReason = nil
        case .method(let channel, .channelClose(let code, let text)):
            throw AMQPError("broker closed channel \(channel) (\(code) \(text))")
        default:
            break
        }
    }

    private func completeIfReady() {
        guard let delivery = incoming, let size = delivery.size, UInt64(delivery.body.count) >= size else { return }
        incoming = nil
        outstanding.append(delivery.tag)
        buffer.append(
            Delivery(tag: DeliveryBuffer.tag(delivery.tag, generation: generation), body: delivery.body, redelivered: delivery.redelivered))
    }

    func connectionLost(_ error: AMQPError) {
        buffer.dropAll()
        releaseUnconfirmedDeadLetters(tracker.removeAll())
    }

    /// Dead-letters cut off by a lost connection: their originals were never acked, so the
    /// broker delivers them again and the worker dead-letters them again. The callers
    /// return normally (like an ack on a lost connection) so a broker blip does not stop
    /// the worker; at worst the dead-letter queue gets a duplicate.
    private func releaseUnconfirmedDeadLetters(_ entries: [ConfirmTracker.Entry]) {
        guard !entries.isEmpty else { return }
        logger.warning(
            "RabbitMQ connection lost before dead-letters were confirmed; the messages will be redelivered.",
            metadata: ["count": "\(entries.count)"])
        for entry in entries { entry.continuation.resume() }
    }

    func beginClose(_ session: AMQPSession) {
        // Stop new deliveries; what is unacked goes back to the queue when the connection closes.
        try? session.cancel(consumerTag: consumerTag, channel: Self.consumeChannel)
    }

    /// Closing does not wait for the worker's acks: unacked messages are redelivered.
    var isSettled: Bool { tracker.isEmpty }

    static func truncated(_ reason: String) -> String {
        guard reason.utf8.count > maxReasonBytes else { return reason }
        var cut = reason.utf8.prefix(maxReasonBytes)
        while !cut.isEmpty, String(cut) == nil { cut = cut.dropLast() }
        return (String(cut) ?? "") + "…"
    }
}
