// EmbeddedQueue: the zero-dependency queue, a SQLite file (WAL, synchronous=FULL) on local
// disk. Owns the file, group commit on the publish side and the commit signal consumers wait
// on; the consume side (cursor, ack, dead letters) is EmbeddedQueueConsumer.swift.

import Foundation
internal import GRDB
public import Logging
public import PipelineKit
public import ServiceLifecycle
import Synchronization

/// A durable queue in one SQLite file, for `smolhogd serve` on one machine.
///
/// Publish: concurrent publishers are grouped; one transaction (one WAL fsync) commits every
/// message that arrived while the previous commit was running, and only then do their
/// `publish` calls return. Consume: messages are read in id order, each group by one of the
/// process's `consumers` worker loops, and deleted on ack; ones not acked when the process
/// dies are delivered again after restart.
public actor EmbeddedQueue: EventQueue, Service {
    struct Pending {
        var body: [UInt8]
        var events: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// A pool: the worker's reads run beside the publishers' group commits, not between them.
    let database: DatabasePool
    let path: String
    let checkpointer: WALCheckpointer
    private var pending: [Pending] = []
    private var flushing = false
    /// Bumped after every commit; consumers park until it moves.
    private var version: UInt64 = 0
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiterID: UInt64 = 0
    /// Highest id present when the queue opened: anything at or below may have been delivered before.
    let idAtOpen: Int64
    /// Worker loops that store groups side by side (`embedded.consumers`).
    public nonisolated let consumers: Int
    /// Hands each worker loop different messages.
    let dispenser = EmbeddedQueueDispenser()
    /// Events committed and not yet acked or dead-lettered (`backlogEvents`).
    let backlog = Atomic<Int>(0)
    /// Whether the files can take a write; asked before each group commit, at most every
    /// `probeInterval`, so a file made read-only or a full disk refuses publishes within it.
    let probe: SQLiteFileProbe
    static let probeInterval: Duration = .milliseconds(200)
    private var probed: (at: ContinuousClock.Instant, problem: String?)?
    let logger: Logger
    /// A full disk refuses every publish; one warning per interval says so.
    let failureLog = RateLimitedLog(interval: .seconds(10))

    public init(path: String, consumers: Int = 1, logger: Logger = Logger(label: "smolhog.queue.embedded")) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let probe = SQLiteFileProbe(path: path)
        // A read-only `-shm` would be mapped and written through (a SIGBUS): refuse to open.
        if let problem = probe.problem(), FileManager.default.fileExists(atPath: path) {
            throw PipelineError(.queueUnavailable, "embedded queue at \(path) cannot be opened for writing: \(problem)")
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try WALCheckpointer.configureWriter(db)
        }
        let database = try DatabasePool(path: path, configuration: configuration)
        try database.writeWithoutTransaction { db in
            // Again here: the pool sets `synchronous = NORMAL` after `prepareDatabase` when it turns WAL on.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS messages (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        body BLOB NOT NULL,
                        events INTEGER NOT NULL,
                        enqueued_at INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS dead_letters (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_id INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        reason TEXT NOT NULL,
                        failed_at INTEGER NOT NULL);
                    """)
        }
        self.database = database
        self.path = path
        self.consumers = max(1, consumers)
        let (idAtOpen, waiting) = try database.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0), COALESCE(SUM(events), 0) FROM messages")
            let id: Int64 = row?[0] ?? 0
            let events: Int = row?[1] ?? 0
            return (id, events)
        }
        self.idAtOpen = idAtOpen
        self.checkpointer = try WALCheckpointer(path: path)
        self.probe = probe
        self.logger = logger
        backlog.store(waiting, ordering: .relaxed)
    }

    public nonisolated var backlogEvents: Int? { backlog.load(ordering: .relaxed) }

    /// The probe's answer, asked again when older than `probeInterval`.
    private func writeProblem(now: ContinuousClock.Instant = .now) -> String? {
        if let probed, now - probed.at < Self.probeInterval { return probed.problem }
        let problem = probe.problem()
        probed = (now, problem)
        return problem
    }

    /// Checkpoints the WAL off the publishers' commit path while the daemon runs.
    public nonisolated func run() async throws { try await checkpointer.run() }

    public nonisolated func publish(_ events: [Event], context: IngestContext) async throws {
        guard !events.isEmpty else { return }
        let body = EventBatchCodec.encode(events, context: context)
        try await withCheckedThrowingContinuation { continuation in
            Task { await self.enqueue(Pending(body: body, events: events.count, continuation: continuation)) }
        }
    }

    private func enqueue(_ item: Pending) async {
        pending.append(item)
        guard !flushing else { return }
        flushing = true
        while !pending.isEmpty {
            let group = pending
            pending = []
            if let problem = writeProblem() {
                fail(group, client: "embedded queue cannot write: \(problem)", log: problem)
                continue
            }
            do {
                let now = Timestamp.now().microseconds
                try await database.write { db in
                    let statement = try db.cachedStatement(sql: "INSERT INTO messages (body, events, enqueued_at) VALUES (?, ?, ?)")
                    for item in group {
                        try statement.execute(arguments: [Data(item.body), item.events, now])
                    }
                }
                backlog.add(group.reduce(0) { $0 + $1.events }, ordering: .relaxed)
                for item in group { item.continuation.resume() }
                version &+= 1
                for waiter in waiters.values { waiter.resume() }
                waiters = [:]
            } catch {
                fail(group, client: "embedded queue could not commit: \(probe.clientText(error))", log: "\(error)")
            }
        }
        flushing = false
    }

    /// Fails a group's publishes with `client` (no absolute path) and logs `log` with the path.
    private func fail(_ group: [Pending], client: String, log: String) {
        failureLog.log(logger, "Embedded queue refuses publishes; ingest answers 503.", metadata: ["path": "\(path)", "error": "\(log)"])
        let failure = PipelineError(.queueUnavailable, client)
        for item in group { item.continuation.resume(throwing: failure) }
    }

    /// Waits until a commit after `seen`, or `timeout`.
    func waitForCommit(after seen: UInt64, timeout: Duration) async {
        guard version == seen else { return }
        let id = nextWaiterID
        nextWaiterID += 1
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.park(id, unlessMovedFrom: seen) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                await self.wake(id)
            }
            await group.next()
            group.cancelAll()
        }
    }

    var currentVersion: UInt64 { version }

    /// Registers the waiter unless a commit already happened since `seen` (that commit would
    /// have found no waiter to wake).
    private func park(_ id: UInt64, unlessMovedFrom seen: UInt64) async {
        await withCheckedContinuation { continuation in
            if version != seen {
                continuation.resume()
            } else {
                waiters[id] = continuation
            }
        }
    }

    private func wake(_ id: UInt64) { waiters.removeValue(forKey: id)?.resume() }

    public nonisolated func makeConsumer(prefetch: Int) async throws -> any QueueConsumer {
        EmbeddedQueueConsumer(queue: self, prefetch: prefetch)
    }

    /// Empties the connections' page caches; the next reads come from the OS cache.
    public nonisolated func releaseMemory() async { database.releaseMemoryEventually() }

    /// Up when the files can take a write (the probe) and the database answers a read.
    /// Names the file by its name only: the answer reaches HTTP clients.
    public nonisolated func health() async -> DependencyHealth {
        let name = "embedded queue (\(probe.name))"
        if let problem = probe.problem() { return DependencyHealth(name: "queue", up: false, detail: "\(name): \(problem)") }
        do {
            _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            return DependencyHealth(name: "queue", up: true, detail: name)
        } catch {
            return DependencyHealth(name: "queue", up: false, detail: "\(name): \(probe.clientText(error))")
        }
    }

    /// Messages and events waiting (for metrics and tests).
    public nonisolated func depth() async throws -> (messages: Int, events: Int, deadLetters: Int) {
        try await database.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(events), 0), (SELECT COUNT(*) FROM dead_letters) FROM messages")
            return (row?[0] ?? 0, row?[1] ?? 0, row?[2] ?? 0)
        }
    }
}
