// WALCheckpointer: copies a WAL-mode SQLite file's committed pages back into the main file
// on a connection and thread of its own. Owns the checkpoint cadence of the embedded queue
// and store; the writers only append to the WAL.

import Foundation
internal import GRDB
import Logging
public import ServiceLifecycle

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` every `interval` until graceful shutdown.
///
/// Why: SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on
/// the writer's thread. For the store that was about a seventh of the worker's time, spent
/// while nothing else could write. A passive checkpoint from another connection neither
/// blocks nor waits for the writer, so it runs on the other core. Writers keep a high
/// automatic threshold (`configureWriter`) as a backstop when this service is not running (tests,
/// `smolhogd migrate`), so the WAL stays bounded either way.
public final class WALCheckpointer: Service, Sendable {
    /// Sets up every writing connection of a file this service checkpoints: an automatic
    /// checkpoint only once the WAL holds about 64 MiB (if the service lags), whatever the
    /// file's page size, and a WAL that grew is cut back after it resets. Call it after any
    /// `page_size` pragma.
    static func configureWriter(_ db: Database) throws {
        let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(1, walBackstopBytes / pageSize))")
        try db.execute(sql: "PRAGMA journal_size_limit = \(walBackstopBytes)")
        // Debian builds SQLite with SECURE_DELETE: every deleted message body and index row was
        // overwritten with zeros, pages the WAL and the checkpoint then wrote again (about a
        // seventh of the bytes written per event). What is deleted is stored elsewhere anyway.
        try db.execute(sql: "PRAGMA secure_delete = OFF")
    }

    static let walBackstopBytes = 64 << 20

    let database: DatabaseQueue
    let path: String
    let interval: Duration
    let logger: Logger

    init(path: String, interval: Duration = .milliseconds(100)) throws {
        var configuration = Configuration()
        configuration.label = "checkpoint"
        database = try DatabaseQueue(path: path, configuration: configuration)
        self.path = path
        self.interval = interval
        logger = Logger(label: "smolhog.sqlite")
    }

    public func run() async throws {
        // Ends at graceful shutdown; the last connection to close checkpoints what is left.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                await self.checkpoint()
            }
        }
    }

    /// One passive checkpoint. A failure is logged and retried at the next tick: the writers'
    /// own threshold still bounds the WAL meanwhile.
    func checkpoint() async {
        do {
            try await database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        } catch {
            logger.warning("WAL checkpoint failed; retrying.", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
