// GeoIPError: why a GeoIP database file could not be used, worded for the person who named
// it in the config (which file, what is wrong with it, what was expected).

/// A GeoIP database that cannot be used. Its `description` names the file, what is wrong
/// with it and what was expected, so it can stand alone in a config error or a log line:
/// `cannot open /x/GeoLite2-City.mmdb: No such file or directory; expected a MaxMind-format
/// .mmdb file`.
public struct GeoIPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the file.
    public enum Reason: Sendable, Hashable {
        /// The file cannot be read: missing, not a regular file, no permission, an I/O
        /// error. The associated text is the system's reason (`No such file or directory`).
        case cannotOpen(String)
        /// The file is read but is not a usable MaxMind-format database (no or invalid
        /// metadata, an unknown format version, a corrupt search tree or data section). The
        /// associated text is libmaxminddb's reason (`MMDB_strerror`).
        case notAMaxMindDatabase(String)
        /// The file is a MaxMind-format database of another kind than City (a Country, ASN
        /// or anonymous-IP database): the associated text is its metadata's `database_type`.
        case notACityDatabase(databaseType: String)
    }

    /// The path as given to `GeoIPDatabase.open(path:)`.
    public let path: String
    /// What is wrong with it.
    public let reason: Reason

    /// An error for `path`.
    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// One line: the file, what is wrong with it, what was expected.
    public var description: String {
        switch reason {
        case .cannotOpen(let why):
            return "cannot open \(path): \(why); expected a MaxMind-format .mmdb file"
        case .notAMaxMindDatabase(let why):
            return "\(path) is not a MaxMind database (\(why)); expected a MaxMind-format .mmdb file such as GeoLite2-City.mmdb"
        case .notACityDatabase(let databaseType):
            let kind = databaseType.isEmpty ? "a MaxMind database without a database_type" : "a \(databaseType) database"
            return "\(path) is \(kind), which has no cities; expected a City database (GeoLite2-City, GeoIP2-City or DB-IP City Lite)"
        }
    }
}
