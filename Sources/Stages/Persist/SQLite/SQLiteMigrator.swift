// SQLiteMigrator: applies migrations/sqlite/*.sql in order, one transaction each, recorded
// in schema_migrations. The embedded store migrates itself on open: it has no operator.

internal import GRDB

enum SQLiteMigrator {
    static func migrate(_ pool: DatabasePool) throws {
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
        }
        let known = try MigrationFile.parse(EmbeddedMigrations.sqlite)
        let applied = try pool.read { db in try Int.fetchAll(db, sql: "SELECT version FROM schema_migrations") }
        if let newest = applied.max(), let latest = known.last?.version, newest > latest {
            throw StoreError(.schemaTooNew, "database schema is at version \(newest) but this smolhogd knows only up to \(latest); upgrade smolhogd")
        }
        for migration in known where !applied.contains(migration.version) {
            try pool.write { db in
                try db.execute(sql: migration.sql)
                try db.execute(
                    sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, strftime('%s','now'))",
                    arguments: [migration.version, migration.name])
            }
        }
    }
}

/// One numbered SQL file.
struct MigrationFile: Sendable {
    var version: Int
    var name: String
    var sql: String

    /// Parses `NNN_name.sql` entries, sorted by number; numbers must be unique.
    static func parse(_ files: [(file: String, sql: String)]) throws -> [MigrationFile] {
        let migrations = try files.map { entry -> MigrationFile in
            guard let number = entry.file.split(separator: "_").first.flatMap({ Int($0) }) else {
                throw StoreError(.badMigration, "migration file \(entry.file) does not start with a number")
            }
            return MigrationFile(version: number, name: entry.file, sql: entry.sql)
        }.sorted { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw StoreError(.badMigration, "migrations \(a.name) and \(b.name) share version \(a.version)")
        }
        return migrations
    }
}
