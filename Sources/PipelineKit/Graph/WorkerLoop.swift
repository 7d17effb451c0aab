// WorkerLoop: the service that drains the queue through the worker path. Owns the ack /
// retry / dead-letter policy; the drivers own how those are done.

public import Logging
import Metrics
public import ServiceLifecycle

/// Consumes the queue, stores each group of messages in one store transaction, then acks
/// them together; `queue.consumers` such loops run side by side.
///
/// Policy:
/// - A message that does not decode goes to the dead-letter queue at once.
/// - A store failure the store calls transient (outage, timeout, restart, anything unknown)
///   is retried with exponential backoff and without limit: the queue holds the events.
/// - A permanent failure (the data itself is refused) splits the group into single
///   messages; a message that fails permanently `maxAttempts` times alone is dead-lettered
///   with the error. So an outage never dead-letters anything.
/// - On graceful shutdown the loop finishes and acks the group in hand, then closes.
public struct WorkerLoop: Service {
    let queue: any EventQueue
    let path: WorkerPath
    let settings: WorkerSettings
    let logger: Logger

    public init(queue: any EventQueue, path: WorkerPath, settings: WorkerSettings, logger: Logger) {
        self.queue = queue
        self.path = path
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        // Loops share nothing but the store; the queue hands each different messages.
        try await withThrowingTaskGroup(of: Void.self) { group in
            let seconds = settings.releaseMemoryAfterIdleSeconds
            let idle = seconds > 0 ? IdleMemoryRelease(after: .seconds(seconds)) : nil
            for loop in 0..<max(1, queue.consumers) {
                group.addTask { try await consume(loop: loop, idle: idle) }
            }
            try await group.waitForAll()
        }
        logger.info("Worker stopped.")
    }

    /// One consumer's loop: until shutdown, take a group of messages, store it, ack it.
    func consume(loop: Int, idle: IdleMemoryRelease?) async throws {
        var backoff = settings.backoffMilliseconds
        var consumer: (any QueueConsumer)?
        // A queue or store failure never ends the loop (the process keeps serving); it is
        // logged and retried with backoff. Only shutdown or cancellation end it.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let current: any QueueConsumer
                if let consumer {
                    current = consumer
                } else {
                    current = try await queue.makeConsumer(prefetch: settings.prefetch)
                    consumer = current
                    logger.info("Worker consuming.", metadata: ["prefetch": "\(settings.prefetch)", "loop": "\(loop)"])
                }
                guard let deliveries = try await current.next(maxWait: .milliseconds(250)) else { break }
                if deliveries.isEmpty {
                    if idle?.shouldRelease() == true { await releaseMemory() }
                    continue
                }
                idle?.working()
                defer { idle?.finished() }
                try await handle(deliveries, consumer: current)
                backoff = settings.backoffMilliseconds
            } catch {
                if Task.isCancelled { break }
                logger.warning("Worker could not consume; reopening the consumer.", metadata: ["error": "\(error)", "backoff_ms": "\(backoff)"])
                // A fresh consumer starts again from what is unacknowledged.
                await consumer?.close()
                consumer = nil
                try? await Task.sleep(for: .milliseconds(backoff))
                backoff = min(backoff * 2, settings.maxBackoffMilliseconds)
            }
        }
        await consumer?.close()
    }

    func releaseMemory() async {
        await path.releaseMemory()
        await queue.releaseMemory()
        logger.debug("Worker idle; store and queue caches released.")
    }

    func handle(_ deliveries: [Delivery], consumer: any QueueConsumer) async throws {
        var decoded: [(delivery: Delivery, events: [Event])] = []
        for delivery in deliveries {
            do {
                decoded.append((delivery, try EventBatchCodec.decode(delivery.body)))
            } catch {
                logger.error("Message cannot be decoded; dead-lettering it.", metadata: ["reason": "\(error)", "tag": "\(delivery.tag)"])
                try await deadLetter(delivery, reason: "undecodable message: \(error)", consumer: consumer)
            }
        }
        guard !decoded.isEmpty else { return }
        if decoded.count > 1, try await storeWithRetry(decoded, permanentFailures: 1) == nil {
            try await consumer.ack(decoded.map(\.delivery))
            return
        }
        // The group keeps failing while the store is up: find the message at fault.
        for item in decoded {
            if let failure = try await storeWithRetry([item], permanentFailures: settings.maxAttempts) {
                logger.error(
                    "The store keeps refusing a message; dead-lettering it.",
                    metadata: ["reason": "\(failure)", "tag": "\(item.delivery.tag)", "events": "\(item.events.count)"])
                try await deadLetter(item.delivery, reason: "store write failed \(settings.maxAttempts) times: \(failure)", consumer: consumer)
            } else {
                try await consumer.ack([item.delivery])
            }
        }
    }

    /// Records the message in the store's dead letters (best effort: the queue's dead-letter
    /// queue is the copy that counts), then moves it to the queue's dead-letter queue.
    func deadLetter(_ delivery: Delivery, reason: String, consumer: any QueueConsumer) async throws {
        Counter(label: "smolhog_worker_dead_lettered_messages_total").increment()
        do {
            try await path.recordDeadLetter(delivery.body, source: "worker", reason: reason)
        } catch {
            logger.warning("Could not record the dead letter in the store.", metadata: ["error": "\(error)", "tag": "\(delivery.tag)"])
        }
        try await consumer.deadLetter(delivery, reason: reason)
    }

    /// Returns nil once stored; the error after `permanentFailures` permanent failures.
    func storeWithRetry(_ group: [(delivery: Delivery, events: [Event])], permanentFailures: Int) async throws -> String? {
        let events = group.flatMap(\.events)
        var permanent = 0
        var backoff = settings.backoffMilliseconds
        while true {
            do {
                let (stored, rejected) = try await path.store(events)
                Counter(label: "smolhog_worker_store_writes_total").increment()
                Counter(label: "smolhog_worker_stored_events_total").increment(by: stored.count)
                Counter(label: "smolhog_worker_duplicate_events_total").increment(by: events.count - stored.count - rejected.count)
                if !rejected.isEmpty {
                    Counter(label: "smolhog_worker_rejected_events_total").increment(by: rejected.count)
                    logger.warning(
                        "Worker stages rejected events after they were accepted.", metadata: ["count": "\(rejected.count)", "first": "\(rejected[0])"])
                }
                return nil
            } catch {
                // Shutting down while the store is failing: leave the messages unacked; the
                // queue delivers them again to the next worker.
                if Task.isCancelled || Task.isShuttingDownGracefully { throw error }
                let isPermanent = path.isPermanent(error)
                if isPermanent { permanent += 1 }
                logger.warning(
                    "Store write failed; retrying.",
                    metadata: ["error": "\(error)", "permanent": "\(isPermanent)", "attempt": "\(permanent)", "events": "\(events.count)"])
                if permanent >= permanentFailures { return "\(error)" }
                try await Task.sleep(for: .milliseconds(backoff))
                backoff = min(backoff * 2, settings.maxBackoffMilliseconds)
            }
        }
    }
}
