// PostgresStore: the shared store of split deployments (postgres-nio's pooled PostgresClient).
// Owns the write transaction: insert a batch's new events in set-based statements, run the
// in-transaction stages on exactly those, apply their rollups, commit. Also owns the client's
// lifetime (it is a Service) and health. Inserts live in PostgresStore+Insert.swift, rollups
// in +Rollups.swift, reads in +Analytics.swift, schema changes in PostgresMigrator.swift.

public import Logging
public import PipelineKit
internal import PostgresNIO
public import ServiceLifecycle

/// Events, rollups and persons in PostgreSQL.
///
/// Its pooled client must run: add the store to the process's `ServiceGroup` (it is a
/// `Service`) before the services that use it, so it shuts down after them.
public final class PostgresStore: EventStore, DeadLetterReader, Service, Sendable {
    let client: PostgresClient
    let endpoint: PostgresEndpoint
    /// Most events per staged INSERT statement (a larger batch takes several, in one transaction).
    let batchSize: Int
    let logger: Logger
    let schema: SchemaCheck
    /// How long a query waits for a pooled connection before the store reports itself unavailable.
    let leaseTimeout: Duration
    /// The most a whole operation (lease, queries, commit) may take; past it the store reports
    /// itself unavailable and closes the connection.
    let operationTimeout: Duration
    /// COPYs in flight on this store's connections (see `run`).
    let copies = PostgresCopyCount()
    let knownBucketUsers = KnownBucketUsers()

    /// Opens the store: refuses a database that is not fully migrated or is newer than this
    /// binary. When the server cannot be reached, it opens anyway (so ingest keeps working),
    /// and the check runs before the first write or read, which fail until it passes.
    public static func open(_ config: PostgresStoreConfig, logger: Logger, leaseTimeout: Duration = .seconds(10)) async throws -> PostgresStore {
        let endpoint = try PostgresEndpoint(url: config.url)
        let operationTimeout = Duration.milliseconds(config.operationTimeoutMilliseconds)
        var verified = false
        do {
            try await withBoundedConnection(
                to: endpoint, logger: logger, doing: "check the schema version", connectTimeout: .seconds(10), timeout: operationTimeout
            ) { connection in
                try await PostgresMigrator.requireMigrated(on: connection, endpoint: endpoint, logger: logger)
            }
            verified = true
        } catch let error as StoreError where error.code == .unavailable {
            logger.warning("PostgreSQL is unreachable; starting anyway, the store reports down until it answers.", metadata: ["reason": "\(error)"])
        }
        return PostgresStore(
            endpoint: endpoint, pool: config.pool, batchSize: config.batch, logger: logger, schemaVerified: verified, leaseTimeout: leaseTimeout,
            operationTimeout: operationTimeout)
    }

    init(
        endpoint: PostgresEndpoint, pool: Int, batchSize: Int, logger: Logger, schemaVerified: Bool, leaseTimeout: Duration = .seconds(10),
        operationTimeout: Duration = .seconds(30)
    ) {
        self.endpoint = endpoint
        self.batchSize = max(1, batchSize)
        self.leaseTimeout = leaseTimeout
        self.operationTimeout = operationTimeout
        self.logger = logger
        self.schema = SchemaCheck(verified: schemaVerified)
        client = PostgresClient(configuration: endpoint.clientConfiguration(pool: max(1, pool)), backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled or graceful shutdown begins (the
    /// worker has stopped by then). Shutting the pool down closes every connection, and closing
    /// one whose COPY is still in flight traps in postgres-nio 1.33 (PostgresCopyGuard.swift).
    /// At that point such a COPY can only be one a stalled network holds, so then the pool is
    /// left for the process's exit to end. The pool runs detached so that it does not see the
    /// graceful shutdown itself.
    public func run() async throws {
        logger.info("PostgreSQL pool running.", metadata: ["database": "\(endpoint)"])
        let client = client
        let pool = Task.detached { await client.run() }
        try? await gracefulShutdown()
        guard copies.value == 0 else {
            logger.warning(
                "A COPY to PostgreSQL is still in flight (has the network stopped carrying it?); its connection is left open for the process's exit.",
                metadata: ["copies": "\(copies.value)", "database": "\(endpoint)"])
            return
        }
        pool.cancel()
        await pool.value
    }

    public func write(_ events: [Event], inTransaction: @escaping @Sendable ([StoredEvent]) throws -> [RollupDelta]) async throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        try await requireSchema()
        // One row per event_id (the first), sent in event_id order so that concurrent writers
        // lock rows in the same order and cannot deadlock each other.
        var seen = Set<String>()
        let unique = events.filter { seen.insert($0.eventID).inserted }
        let ordered = unique.sorted { $0.eventID < $1.eventID }
        // The whole batch goes in with one COPY unless an event_id is already stored (a
        // redelivery or an SDK's retry); then it is written again, skipping stored events.
        let copyAll = ordered.allSatisfy(CopyText.fitsEventsTable)
        do {
            do {
                return try await writeTransaction(unique, inOrder: ordered, copyAll: copyAll, inTransaction: inTransaction)
            } catch  where copyAll && Self.isDuplicate(error) {
                logger.debug("Some events of the batch are stored already; writing it again without them.", metadata: ["events": "\(unique.count)"])
                return try await writeTransaction(unique, inOrder: ordered, copyAll: false, inTransaction: inTransaction)
            }
        } catch {
            throw storeError(error, doing: "write \(unique.count) events")
        }
    }

    private func writeTransaction(
        _ unique: [Event], inOrder ordered: [Event], copyAll: Bool, inTransaction: @escaping @Sendable ([StoredEvent]) throws -> [RollupDelta]
    ) async throws -> [StoredEvent] {
        let batchSize = batchSize
        let logger = logger
        let known = knownBucketUsers
        let (inserted, keys) = try await withPooledConnection(doing: "write \(unique.count) events") { pooled in
            try await pooled.withTransaction(logger: logger) { connection in
                let inserted: [StoredEvent]
                if copyAll {
                    try await Self.copyAll(ordered, on: connection, logger: logger)
                    inserted = unique.map(StoredEvent.init)
                } else {
                    inserted = try await Self.insertNew(unique, inOrder: ordered, batchSize: batchSize, on: connection, logger: logger)
                }
                let deltas = try inTransaction(inserted)
                let keys = try await Self.apply(RollupChanges(deltas), known: known, on: connection, logger: logger)
                try await Self.applyPersons(deltas, on: connection, logger: logger)
                // Last, as the rollups: the rows of the batch's names stay locked only until the commit.
                try await Self.noteNewestNames(inserted, on: connection, logger: logger)
                return (inserted, keys)
            }
        }
        known.remember(keys)
        return inserted
    }

    public func deadLetters(after: Int64?, limit: Int) async throws -> [DeadLetter] {
        try await requireSchema()
        var binds = PostgresBindings(capacity: 2)
        binds.append(after ?? 0)
        binds.append(Int64(max(0, limit)))
        let query = PostgresQuery(
            unsafeSQL: "SELECT id, source, payload, reason, \(Self.microseconds("failed_at")) FROM dead_letters WHERE id > $1 ORDER BY id LIMIT $2",
            binds: binds)
        let logger = logger
        do {
            return try await withPooledConnection(doing: "read dead letters") { connection in
                var letters: [DeadLetter] = []
                let rows = try await connection.query(query, logger: logger)
                for try await (id, source, payload, reason, micros) in rows.decode((Int64, String, ByteBuffer, String, Int64).self) {
                    letters.append(
                        DeadLetter(id: id, source: source, body: Array(payload.readableBytesView), reason: reason, failedAt: Timestamp(microseconds: micros)))
                }
                return letters
            }
        } catch {
            throw storeError(error, doing: "read dead letters")
        }
    }

    /// A row in `dead_letters` (migrations/006_dead_letters.sql) with the message as sent.
    public func recordDeadLetter(_ body: [UInt8], source: String, reason: String) async throws {
        try await requireSchema()
        let logger = logger
        do {
            try await withPooledConnection(doing: "record a dead letter") { connection in
                var binds = PostgresBindings(capacity: 3)
                binds.append(source)
                binds.append(ByteBuffer(bytes: body))
                binds.append(reason)
                try await connection.query(
                    PostgresQuery(unsafeSQL: "INSERT INTO dead_letters (source, payload, reason) VALUES ($1, $2, $3)", binds: binds), logger: logger)
            }
        } catch {
            throw storeError(error, doing: "record a dead letter")
        }
    }

    /// One multi-row INSERT per 1000 letters (one commit for a group's refused events).
    public func recordDeadLetters(_ letters: [(body: [UInt8], reason: String)], source: String) async throws {
        try await requireSchema()
        let logger = logger
        do {
            try await withPooledConnection(doing: "record dead letters") { connection in
                for start in stride(from: 0, to: letters.count, by: 1000) {
                    let chunk = letters[start..<min(start + 1000, letters.count)]
                    var binds = PostgresBindings(capacity: 3 * chunk.count)
                    var rows: [String] = []
                    for letter in chunk {
                        binds.append(source)
                        binds.append(ByteBuffer(bytes: letter.body))
                        binds.append(letter.reason)
                        rows.append("($\(rows.count * 3 + 1), $\(rows.count * 3 + 2), $\(rows.count * 3 + 3))")
                    }
                    let sql = "INSERT INTO dead_letters (source, payload, reason) VALUES " + rows.joined(separator: ", ")
                    try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                }
            }
        } catch {
            throw storeError(error, doing: "record dead letters")
        }
    }

    /// Forgets the remembered bucket users (up to `KnownBucketUsers.limit` keys).
    public func releaseMemory() async { knownBucketUsers.forget() }

    public func health() async -> DependencyHealth {
        do {
            let endpoint = endpoint
            let logger = logger
            try await withBoundedConnection(doing: "check health", connectTimeout: .seconds(3), timeout: min(operationTimeout, .seconds(10))) { connection in
                try await PostgresMigrator.requireMigrated(on: connection, endpoint: endpoint, logger: logger)
            }
            await schema.markVerified()
            return DependencyHealth(name: "store", up: true, detail: "postgres \(endpoint)")
        } catch {
            return DependencyHealth(name: "store", up: false, detail: "postgres \(endpoint): \(PostgresErrorText.describe(error))")
        }
    }

    /// Checks the schema once (when `open` could not), through the pool.
    func requireSchema() async throws {
        guard await !schema.isVerified else { return }
        do {
            let endpoint = endpoint
            let logger = logger
            try await withPooledConnection(doing: "check the schema version") { connection in
                try await PostgresMigrator.requireMigrated(on: connection, endpoint: endpoint, logger: logger)
            }
        } catch {
            throw storeError(error, doing: "check the schema version")
        }
        await schema.markVerified()
    }

    public func isPermanent(_ error: any Error) -> Bool {
        (error as? StoreError)?.code == .rejectedData
    }

    /// A failure as the worker and the logs should see it: what the in-transaction stages
    /// threw stays as it is; database failures become a `StoreError` with the server's message
    /// (`.queryFailed`) or the connection problem (`.unavailable`).
    func storeError(_ error: any Error, doing what: String) -> any Error {
        if let transaction = error as? PostgresTransactionError, transaction.rollbackError == nil, let inner = transaction.closureError,
            !(inner is PSQLError), !(inner is PostgresDecodingError)
        {
            return inner
        }
        if error is StoreError { return error }
        let cause = PostgresErrorText.unwrap(error)
        let text = "could not \(what) on \(endpoint): \(PostgresErrorText.describe(cause))"
        if let psql = cause as? PSQLError, let info = psql.serverInfo {
            // SQLSTATE classes 22 (data exception), 23 (integrity constraint) and 54 (program
            // limit exceeded) are about the rows themselves: the same batch fails every time.
            let sqlState = info[.sqlState] ?? ""
            // 57P01–57P05 (shutdown, crash, starting up) and class 08 (connection exception):
            // the server going away or not there yet is an outage, whichever message says so.
            if sqlState.hasPrefix("57P") || sqlState.hasPrefix("08") { return StoreError(.unavailable, text) }
            let permanent = ["22", "23", "54"].contains { sqlState.hasPrefix($0) }
            return StoreError(permanent ? .rejectedData : .queryFailed, text)
        }
        if cause is PostgresDecodingError { return StoreError(.queryFailed, text) }
        return StoreError(.unavailable, text)
    }
}

/// Whether this process has seen the database fully migrated.
actor SchemaCheck {
    private(set) var isVerified: Bool
    init(verified: Bool) { isVerified = verified }
    func markVerified() { isVerified = true }
}
