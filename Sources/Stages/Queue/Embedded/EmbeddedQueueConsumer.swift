// EmbeddedQueueConsumer: the worker side of the embedded queue. Owns handing out groups of
// messages in id order (one cursor per process, shared by its worker loops), acks (deletes)
// and dead-letters.

import Foundation
internal import GRDB
internal import PipelineKit
import Synchronization

/// Hands the worker loops of one process consecutive groups of messages, each group to one
/// loop. With a backlog, while one loop's group is in the store's transaction, the next loop
/// reads, decodes and aggregates its own, so the store's one writer is not left waiting
/// between groups. Without one (the worker keeps up), one loop at a time takes what arrived:
/// a second would only split it into more, smaller transactions, each with its own fsync,
/// beside the ingest path's.
actor EmbeddedQueueDispenser {
    /// Highest id handed out since the queue opened (or since the last rewind).
    private var handedOut: Int64 = 0
    private var reading = false
    private var turn: [CheckedContinuation<Void, Never>] = []
    /// Groups handed out that their loops have not finished.
    private var held = 0
    /// Whether the last read filled its group, so more messages were waiting.
    private var backlog = false
    /// Highest id handed out before the last rewind: at or below it a message was delivered
    /// before (to a consumer that closed without acking it).
    private var rewoundAt: Int64 = 0

    /// The next group after what was handed out (`read` gets the id to read after, and reads
    /// at most `limit` messages); nil while another loop holds a group and there is no backlog.
    func next(limit: Int, _ read: @Sendable (_ after: Int64, _ deliveredUpTo: Int64) async throws -> [Delivery]) async throws -> [Delivery]? {
        // One read at a time: two loops must not read the same range.
        while reading { await withCheckedContinuation { turn.append($0) } }
        if held > 0 && !backlog {
            resumeNextReader()
            return nil
        }
        reading = true
        defer {
            reading = false
            resumeNextReader()
        }
        let deliveries = try await read(handedOut, rewoundAt)
        if let last = deliveries.last {
            handedOut = Int64(last.tag)
            held += 1
        }
        backlog = deliveries.count >= limit
        return deliveries
    }

    /// A loop is done with the group it was handed (stored and acked, or given up on).
    func finished() { held = max(0, held - 1) }

    /// Starts again from the oldest message not yet acked: after a consumer failed, what it
    /// held is delivered again (a loop may then store a group another loop holds too; the
    /// store skips events it has).
    func rewind() {
        rewoundAt = max(rewoundAt, handedOut)
        handedOut = 0
    }

    private func resumeNextReader() {
        if !turn.isEmpty { turn.removeFirst().resume() }
    }
}

/// Reads an `EmbeddedQueue` in id order through the queue's dispenser. Owned by one worker loop.
final class EmbeddedQueueConsumer: QueueConsumer, @unchecked Sendable {
    // @unchecked: `closed` and `holding` are touched only by the one worker task that owns the consumer.
    let queue: EmbeddedQueue
    let prefetch: Int
    private var closed = false
    /// Whether this consumer's last `next` handed its loop a group.
    private var holding = false

    init(queue: EmbeddedQueue, prefetch: Int) {
        self.queue = queue
        self.prefetch = prefetch
    }

    /// The loop calls this again only once it is done with the group it had.
    func next(maxWait: Duration) async throws -> [Delivery]? {
        if closed { return nil }
        await release()
        let seen = await queue.currentVersion
        if let deliveries = try await fetch(), !deliveries.isEmpty { return deliveries }
        await queue.waitForCommit(after: seen, timeout: maxWait)
        return try await fetch() ?? []
    }

    private func release() async {
        guard holding else { return }
        holding = false
        await queue.dispenser.finished()
    }

    private func fetch() async throws -> [Delivery]? {
        let limit = prefetch
        let idAtOpen = queue.idAtOpen
        let database = queue.database
        let deliveries = try await queue.dispenser.next(limit: limit) { after, deliveredUpTo in
            // Messages there when the queue opened may have been delivered by a process that died.
            let redeliveredUpTo = max(idAtOpen, deliveredUpTo)
            return try await database.read { db in
                try Row.fetchAll(db, sql: "SELECT id, body FROM messages WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]).map { row in
                    let id: Int64 = row[0]
                    let body: Data = row[1]
                    return Delivery(tag: UInt64(id), body: [UInt8](body), redelivered: id <= redeliveredUpTo)
                }
            }
        }
        if deliveries?.isEmpty == false { holding = true }
        return deliveries
    }

    func ack(_ deliveries: [Delivery]) async throws {
        guard !deliveries.isEmpty else { return }
        let ids = deliveries.map { Int64($0.tag) }
        let removed = try await queue.database.write { db in
            let statement = try db.cachedStatement(sql: "DELETE FROM messages WHERE id = ? RETURNING events")
            var events = 0
            for id in ids { events += try Int.fetchOne(statement, arguments: [id]) ?? 0 }
            return events
        }
        queue.backlog.subtract(removed, ordering: .relaxed)
    }

    func deadLetter(_ delivery: Delivery, reason: String) async throws {
        let id = Int64(delivery.tag)
        let body = Data(delivery.body)
        let removed = try await queue.database.write { db in
            try db.execute(
                sql: "INSERT INTO dead_letters (message_id, body, reason, failed_at) VALUES (?, ?, ?, ?)",
                arguments: [id, body, reason, Timestamp.now().microseconds])
            return try Int.fetchOne(db, sql: "DELETE FROM messages WHERE id = ? RETURNING events", arguments: [id]) ?? 0
        }
        queue.backlog.subtract(removed, ordering: .relaxed)
    }

    /// Ends this consumer; the worker loop opens a new one after a failure, and that one
    /// starts again from the oldest message not acked.
    func close() async {
        closed = true
        await release()
        await queue.dispenser.rewind()
    }
}
