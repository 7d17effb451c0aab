// PublisherRole: the ingest side of a RabbitMQ link. Owns declaring the queues, confirm mode
// on channel 1, pipelined persistent publishes and settling them from basic.ack / basic.nack.

import Logging
import PipelineKit

/// Publishes event batches on channel 1 in confirm mode. Many publishes are in flight at
/// once; each caller resumes only when the broker confirmed its own message.
final class PublisherRole: AMQPLinkRole {
    enum Command: Sendable {
        case publish(body: [UInt8], continuation: CheckedContinuation<Void, any Error>)
        /// Ready messages in the queue and in the dead-letter queue.
        case depth(continuation: CheckedContinuation<(messages: Int, deadLetters: Int), any Error>)
    }

    static let channel: UInt16 = 1

    let config: RabbitMQQueueConfig
    let tracker: ConfirmTracker
    let logger: Logger
    private let confirmTimeout: Duration
    /// A basic.return was read; its content header (with the message id) comes next.
    private var returnReason: String?

    init(config: RabbitMQQueueConfig, tracker: ConfirmTracker, logger: Logger) {
        self.config = config
        self.tracker = tracker
        self.logger = logger
        self.confirmTimeout = .milliseconds(config.confirmTimeoutMilliseconds)
    }

    func setUp(_ session: AMQPSession, generation: UInt32) throws {
        try session.openChannel(Self.channel)
        try session.declareQueue(config.queue, quorum: config.quorum, channel: Self.channel)
        try session.declareQueue(config.resolvedDeadLetterQueue, quorum: config.quorum, channel: Self.channel)
        try session.confirmSelect(channel: Self.channel)
        returnReason = nil
        for entry in tracker.reset() { entry.fail("the RabbitMQ connection was replaced before the broker confirmed") }
    }

    func perform(_ command: Command, session: AMQPSession?) throws {
        switch command {
        case .publish(let body, let continuation):
            guard let session else {
                continuation.resume(throwing: unavailable("RabbitMQ is not connected"))
                return
            }
            let sequence = tracker.register(continuation, timeout: confirmTimeout)
            // A failed send breaks the connection; `connectionLost` then fails this publish too.
            try session.publish(body: body, queue: config.queue, messageID: String(sequence), channel: Self.channel)
        case .depth(let continuation):
            guard let session else {
                continuation.resume(throwing: unavailable("RabbitMQ is not connected"))
                return
            }
            do {
                let messages = try session.readyCount(queue: config.queue, channel: Self.channel)
                let deadLetters = try session.readyCount(queue: config.resolvedDeadLetterQueue, channel: Self.channel)
                continuation.resume(returning: (messages, deadLetters))
            } catch {
                continuation.resume(throwing: unavailable("cannot read the queue depth: \(error)"))
                throw error
            }
        }
    }

    func handle(_ frame: AMQPFrame, session: AMQPSession) throws {
        switch frame {
        case .method(Self.channel, .basicAck(let tag, let multiple)):
            for entry in tracker.settle(tag, multiple: multiple) {
                if let reason = entry.returned { entry.fail(reason) } else { entry.continuation.resume() }
            }
        case .method(Self.channel, .basicNack(let tag, let multiple)):
            for entry in tracker.settle(tag, multiple: multiple) { entry.fail("RabbitMQ refused the message (basic.nack)") }
        case .method(Self.channel, .basicReturn(let code, let text)):
            returnReason = "RabbitMQ could not route the message to queue '\(config.queue)' (\(code) \(text))"
        case .header(Self.channel, _, let messageID):
            if let reason = returnReason, let sequence = messageID.flatMap({ UInt64($0) }) {
                logger.error("RabbitMQ returned a published message.", metadata: ["reason": "\(reason)"])
                tracker.markReturned(sequence, reason: reason)
            }
            returnReason = nil
        case .method(let channel, .channelClose(let code, let text)):
            throw AMQPError("broker closed channel \(channel) (\(code) \(text))")
        default:
            break
        }
    }

    func connectionLost(_ error: AMQPError) {
        for entry in tracker.removeAll() { entry.fail("RabbitMQ connection lost before the broker confirmed: \(error)") }
    }

    func beginClose(_ session: AMQPSession) {}

    var isSettled: Bool { tracker.isEmpty }
}

/// The error every failed publish surfaces as (the HTTP layer answers 503 + Retry-After).
func unavailable(_ message: String) -> PipelineError {
    PipelineError(.queueUnavailable, message)
}
