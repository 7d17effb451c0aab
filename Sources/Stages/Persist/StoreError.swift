// StoreError: what the store drivers report, with a stable code.

/// A store failure with a code and a sentence that says what to do.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case schemaTooNew = "schema_too_new"
        case notMigrated = "not_migrated"
        case badMigration = "bad_migration"
        case unavailable
        case badConfig = "bad_config"
        case queryFailed = "query_failed"
        /// The database refused the data itself (too long, out of range, constraint): retrying will not help.
        case rejectedData = "rejected_data"
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code.rawValue): \(message)" }
}
