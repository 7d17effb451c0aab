// PostgresMigrator: applies the embedded migrations/*.sql in order, one transaction each,
// recorded in schema_migrations, under a cluster-wide advisory lock so nodes may run it at
// once. Also owns the check that serve/worker run against a fully migrated database.

public import Logging
internal import PostgresNIO

/// `smolhogd migrate` for PostgreSQL, and the schema check the store runs before it starts.
public enum PostgresMigrator {
    /// What one migrate run found and did.
    public struct Outcome: Sendable, Hashable, CustomStringConvertible {
        /// `host:port/database`, without credentials.
        public var database: String
        /// Schema version before the run (0: never migrated).
        public var from: Int
        /// Schema version after the run.
        public var to: Int
        /// File names of the migrations this run applied, in order.
        public var applied: [String]

        public var description: String {
            applied.isEmpty
                ? "\(database) is at schema version \(to); nothing to apply"
                : "\(database) migrated from schema version \(from) to \(to): applied \(applied.joined(separator: ", "))"
        }
    }

    /// Key of the session-level advisory lock held while migrating ("smolhog" in ASCII).
    static let lockKey: Int64 = 0x73_6D6F_6C68_6F67

    /// The migrations this binary carries.
    static func known() throws -> [MigrationFile] { try MigrationFile.parse(EmbeddedMigrations.postgres) }

    /// The newest schema version this binary knows.
    public static func latestVersion() throws -> Int { try known().last?.version ?? 0 }

    /// Applies every pending migration to the database at `url`. Safe to run from several
    /// nodes at once: they take turns, and later ones find nothing to do. Throws
    /// `StoreError(.schemaTooNew)` when the database is ahead of this binary.
    public static func migrate(url: String, logger: Logger) async throws -> Outcome {
        try await migrate(PostgresEndpoint(url: url), upTo: nil, logger: logger)
    }

    /// Throws `StoreError(.notMigrated)` unless every migration this binary knows has been
    /// applied, and `.schemaTooNew` when the database has one it does not know.
    public static func requireMigrated(url: String, logger: Logger) async throws {
        let endpoint = try PostgresEndpoint(url: url)
        try await endpoint.withConnection(logger: logger) { connection in
            try await requireMigrated(on: connection, endpoint: endpoint, logger: logger)
        }
    }

    /// Migrates up to and including `target` (all when nil).
    static func migrate(_ endpoint: PostgresEndpoint, upTo target: Int?, logger: Logger) async throws -> Outcome {
        let known = try known()
        return try await endpoint.withConnection(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                let outcome = try await migrateLocked(connection, known: known, upTo: target, endpoint: endpoint, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                return outcome
            } catch {
                // Closing the connection releases the lock too; this only frees it sooner.
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
        }
    }

    private static func migrateLocked(
        _ connection: PostgresConnection, known: [MigrationFile], upTo target: Int?, endpoint: PostgresEndpoint, logger: Logger
    ) async throws -> Outcome {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())
            """,
            logger: logger)
        let applied = try await appliedVersions(connection, logger: logger)
        let from = applied.max() ?? 0
        try checkNotTooNew(applied, known: known, endpoint: endpoint)
        var names: [String] = []
        for migration in known where !applied.contains(migration.version) && migration.version <= (target ?? Int.max) {
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    for statement in PostgresSQLScript.statements(migration.sql) {
                        try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await transaction.query(
                        "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                }
            } catch {
                throw StoreError(.badMigration, "migration \(migration.name) failed on \(endpoint) and was rolled back: \(PostgresErrorText.describe(error))")
            }
            logger.info("Applied migration.", metadata: ["migration": "\(migration.name)", "database": "\(endpoint)"])
            names.append(migration.name)
        }
        let to = try await appliedVersions(connection, logger: logger).max() ?? 0
        return Outcome(database: endpoint.description, from: from, to: to, applied: names)
    }

    static func requireMigrated(on connection: PostgresConnection, endpoint: PostgresEndpoint, logger: Logger) async throws {
        let known = try known()
        let applied = try await appliedVersions(connection, logger: logger)
        try checkNotTooNew(applied, known: known, endpoint: endpoint)
        let missing = known.filter { !applied.contains($0.version) }
        guard missing.isEmpty else {
            throw StoreError(
                .notMigrated,
                "database at \(endpoint) is not migrated (schema version \(applied.max() ?? 0), this smolhogd needs \(known.last?.version ?? 0)); "
                    + "run `smolhogd migrate --config FILE`")
        }
    }

    /// Versions recorded in schema_migrations; empty when the table does not exist.
    static func appliedVersions(_ connection: PostgresConnection, logger: Logger) async throws -> Set<Int> {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        var tableExists = false
        for try await value in exists.decode(Bool.self) { tableExists = value }
        guard tableExists else { return [] }
        var versions: Set<Int> = []
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
            versions.insert(version)
        }
        return versions
    }

    private static func checkNotTooNew(_ applied: Set<Int>, known: [MigrationFile], endpoint: PostgresEndpoint) throws {
        let latest = known.last?.version ?? 0
        if let newest = applied.max(), newest > latest {
            throw StoreError(
                .schemaTooNew, "database at \(endpoint) has schema version \(newest) but this smolhogd knows only up to \(latest); upgrade smolhogd")
        }
    }
}
