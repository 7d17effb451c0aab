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
/// - A permanent failure (the store refuses some of the data) splits the group's events in
///   halves until the refused events are alone (`isolate`): the rest is stored, and an event
///   refused `maxAttempts` times alone is kept in the store's dead letters with the store's
///   reason, then the messages are acknowledged. Events beyond the store's declared limits
///   (`StoreLimits`) are kept there before any write is tried: they cost no failed write. So an outage never dead-letters anything,
///   and one bad event never takes the good ones of its message with it.
/// - On graceful shutdown the loop finishes and acks the group in hand, then closes.
public struct WorkerLoop: Service {
    let queue: any EventQueue
    let path: WorkerPath
    let settings: WorkerSettings
    let logger: Logger
    /// Where store outcomes are recorded for `GET /readyz`.
    let readiness: Readiness

    /// A loop over `queue` that stores through `path`, recording each store outcome in
    /// `readiness`. Starts nothing; `run()` does.
    public init(queue: any EventQueue, path: WorkerPath, settings: WorkerSettings, logger: Logger, readiness: Readiness = Readiness()) {
        self.queue = queue
        self.path = path
        self.settings = settings
        self.logger = logger
        self.readiness = readiness
    }

    /// Runs `queue.consumers` consumer loops (at least one) until graceful shutdown or
    /// cancellation. Queue and store failures are logged and retried with backoff; they never
    /// end a loop. Called once, by the `ServiceGroup`.
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
                    readiness.workerIdle()
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
        var decoded: [(delivery: Delivery, events: [Event], context: IngestContext)] = []
        for delivery in deliveries {
            do {
                let (events, context) = try EventBatchCodec.decodeBatch(delivery.body)
                decoded.append((delivery, events, context))
            } catch {
                logger.error("Message cannot be decoded; dead-lettering it.", metadata: ["reason": "\(error)", "tag": "\(delivery.tag)"])
                try await deadLetter(delivery, reason: "undecodable message: \(error)", consumer: consumer)
            }
        }
        guard !decoded.isEmpty else { return }
        let events = decoded.flatMap(\.events)
        // Each event's request context, only when worker stages read it (none by default).
        let contexts = path.readsContext ? decoded.flatMap { repeatElement($0.context, count: $0.events.count) } : []
        var refused: [(event: Event, reason: String)] = []
        if let failure = try await storeWithRetry(events, contexts: contexts, permanentFailures: events.count > 1 ? 1 : settings.maxAttempts, refused: &refused)
        {
            // The store refuses some of the data while it is up: store the rest, keep the refused.
            if events.count == 1 {
                refused.append((events[0], Self.refusedAlone(failure, tries: settings.maxAttempts)))
            } else {
                try await isolate(events[...], contexts: contexts[...], refused: &refused)
            }
        }
        if !refused.isEmpty { try await keepRefused(refused) }
        try await consumer.ack(decoded.map(\.delivery))
    }

    /// Stores every event of `events` (a group the store refused) except those it refuses
    /// alone, which are added to `refused`: splits the group in halves and tries each, so a
    /// refused event costs about 2·log2(n) tries, and a good event is tried at most that often.
    /// An event alone is tried `maxAttempts` times before it counts as refused.
    /// `contexts` holds each event's request context (same indices), or nothing.
    func isolate(_ events: ArraySlice<Event>, contexts: ArraySlice<IngestContext>, refused: inout [(event: Event, reason: String)]) async throws {
        let middle = events.startIndex + events.count / 2
        for range in [events.startIndex..<middle, middle..<events.endIndex] where !range.isEmpty {
            let half = events[range]
            let halfContexts = contexts.isEmpty ? contexts : contexts[range]
            let alone = half.count == 1
            guard
                let failure = try await storeWithRetry(
                    Array(half), contexts: Array(halfContexts), permanentFailures: alone ? settings.maxAttempts : 1, refused: &refused)
            else {
                continue
            }
            if alone {
                refused.append((half[half.startIndex], Self.refusedAlone(failure, tries: settings.maxAttempts)))
            } else {
                try await isolate(half, contexts: halfContexts, refused: &refused)
            }
        }
    }

    static func refusedAlone(_ failure: String, tries: Int) -> String {
        "refused \(tries) times alone: \(failure)"
    }

    /// Records the events the store refuses (by its declared limits, or `maxAttempts` times
    /// alone) in the store's dead letters, each as a message of its own with the store's
    /// reason, in one write where the store can; retried until they are kept (the messages
    /// that held them are acknowledged only after).
    func keepRefused(_ refused: [(event: Event, reason: String)]) async throws {
        Counter(label: "smolhog_worker_refused_events_total").increment(by: refused.count)
        for item in refused {
            logger.error("The store refuses an event; dead-lettering it alone.", metadata: ["event_id": "\(item.event.eventID)", "reason": "\(item.reason)"])
        }
        let letters = refused.map { (body: EventBatchCodec.encode([$0.event]), reason: "store refused event \($0.event.eventID): \($0.reason)") }
        var backoff = settings.backoffMilliseconds
        while true {
            do {
                try await path.recordDeadLetters(letters, source: "worker")
                return
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { throw error }
                logger.warning("Could not record refused events; retrying.", metadata: ["error": "\(error)", "events": "\(letters.count)"])
                try await Task.sleep(for: .milliseconds(backoff))
                backoff = min(backoff * 2, settings.maxBackoffMilliseconds)
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

    /// Returns nil once stored (adding the events the store's limits refused to `refused`);
    /// the error after `permanentFailures` permanent failures. Transient failures are retried
    /// with backoff; a permanent one at once (waiting does not change the store's answer).
    func storeWithRetry(
        _ events: [Event], contexts: [IngestContext], permanentFailures: Int, refused: inout [(event: Event, reason: String)]
    ) async throws -> String? {
        var permanent = 0
        var backoff = settings.backoffMilliseconds
        // The worker stages run once; a retry repeats only the write.
        var handled: Batch<Event>?
        while true {
            do {
                let ready: Batch<Event>
                if let handled {
                    ready = handled
                } else {
                    ready = try await path.runWorkerStages(events, contexts: contexts)
                    handled = ready
                }
                let (stored, rejected, overLimits, filtered) = try await path.write(ready)
                readiness.storeSucceeded()
                Counter(label: "smolhog_worker_store_writes_total").increment()
                Counter(label: "smolhog_worker_stored_events_total").increment(by: stored.count)
                Counter(label: "smolhog_worker_duplicate_events_total").increment(
                    by: events.count - stored.count - rejected.count - overLimits.count - filtered)
                if !rejected.isEmpty {
                    Counter(label: "smolhog_worker_rejected_events_total").increment(by: rejected.count)
                    logger.warning(
                        "Worker stages rejected events after they were accepted.", metadata: ["count": "\(rejected.count)", "first": "\(rejected[0])"])
                }
                refused += overLimits
                return nil
            } catch {
                // Shutting down while the store is failing: leave the messages unacked; the
                // queue delivers them again to the next worker.
                if Task.isCancelled || Task.isShuttingDownGracefully { throw error }
                let isPermanent = path.isPermanent(error)
                if isPermanent {
                    permanent += 1
                } else {
                    readiness.storeFailed("\(error)")
                }
                logger.warning(
                    "Store write failed; retrying.",
                    metadata: ["error": "\(error)", "permanent": "\(isPermanent)", "attempt": "\(permanent)", "events": "\(events.count)"])
                if permanent >= permanentFailures { return "\(error)" }
                if isPermanent { continue }
                try await Task.sleep(for: .milliseconds(backoff))
                backoff = min(backoff * 2, settings.maxBackoffMilliseconds)
            }
        }
    }
}
