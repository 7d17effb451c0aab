// SQLiteRawRows: reads many rows straight from SQLite's buffers, without a GRDB Row or a String
// per value, for the in-memory indexes the SQLite store builds from its tables in a write
// (StoredEventIDFilter, RecentEventIDs). Owns nothing; touches only the statement it steps.

internal import GRDB
internal import GRDBSQLite

enum SQLiteRawRows {
    /// Steps `sql` to its end, handing `body` the statement at each row.
    static func forEach(_ db: Database, sql: String, _ body: (OpaquePointer) throws -> Void) throws {
        // GRDB finalizes the SQLite statement when its Statement goes, so it is kept.
        let owner = try db.makeStatement(sql: sql)
        let statement = owner.sqliteStatement
        defer { withExtendedLifetime(owner) { _ = sqlite3_reset(statement) } }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "reading the rows of \(sql)")
            }
            try body(statement)
        }
    }

    /// Column `column` of the row `statement` is at, as UTF-8 bytes valid until its next step.
    static func text(_ statement: OpaquePointer, _ column: Int32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: sqlite3_column_text(statement, column), count: Int(sqlite3_column_bytes(statement, column)))
    }

    static func integer(_ statement: OpaquePointer, _ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
}
