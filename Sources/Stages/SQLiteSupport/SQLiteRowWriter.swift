// SQLiteRowWriter: runs one cached statement per row through SQLite's C API. The store's
// per-row writes (events, user-set keys, persons) are the worker's hot loop; GRDB's
// StatementArguments box every value of every row, which cost more than SQLite's insert.

internal import GRDB
internal import GRDBSQLite

/// A prepared statement bound and stepped directly. Use inside a GRDB write on the same
/// connection; each `run` resets the statement, so it can be reused for the next row.
struct SQLiteRowWriter {
    let statement: OpaquePointer
    let connection: OpaquePointer
    let sql: String

    init(_ db: Database, sql: String) throws {
        let cached = try db.cachedStatement(sql: sql)
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "database connection is closed") }
        self.statement = cached.sqliteStatement
        self.connection = connection
        self.sql = sql
    }

    enum Value {
        case int(Int64)
        case text(String)
        case null
    }

    /// Binds `values` to ?1…?n, steps once, and returns how many rows the statement changed.
    @discardableResult
    func run(_ values: Value...) throws -> Int {
        defer { reset() }
        try bind(values)
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
        return Int(sqlite3_changes(connection))
    }

    /// Binds `values` to ?1…?n, steps once, and returns the first column of the first row as
    /// an integer (nil when there is no row), for lookups in the same hot loops.
    func integer(_ values: Value...) throws -> Int64? {
        defer { reset() }
        try bind(values)
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
        return code == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : nil
    }

    private func bind(_ values: [Value]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .int(let number): code = sqlite3_bind_int64(statement, index, number)
            case .null: code = sqlite3_bind_null(statement, index)
            case .text(let text):
                // SQLITE_TRANSIENT: SQLite copies the bytes, so the Swift buffer may go away.
                code =
                    text.utf8.withContiguousStorageIfAvailable { bytes in
                        sqlite3_bind_text(statement, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
                    } ?? sqlite3_bind_text(statement, index, text, -1, Self.transient)
            }
            guard code == SQLITE_OK else { throw error(code) }
        }
    }

    private func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
