// GeoIPDatabase: one opened MaxMind-format City database (GeoLite2-City, GeoIP2-City, DB-IP
// City Lite), memory-mapped through libmaxminddb, and the lookup of an address in it.

import CMaxMindDB
public import PipelineKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A MaxMind-format City database, opened once and memory-mapped (`MMDB_MODE_MMAP`).
///
/// Thread safety: after `open(path:)` returns, the `MMDB_s` is never written again, and
/// libmaxminddb's lookups only read it (and the mapping), so any number of threads may call
/// `lookup(_:)` on one instance at once without locking. It is closed (`MMDB_close`, which
/// unmaps the file) in `deinit`, so a caller that holds a strong reference for the length of
/// a lookup never reads an unmapped file.
///
/// The mapping reads the file as it is on disk: replace a database by writing a new file and
/// renaming it over the old one (as `geoipupdate` does), never by rewriting it in place,
/// which can make lookups on an open instance read torn data or fault past a shortened end.
public final class GeoIPDatabase: Sendable {
    /// The path it was opened from.
    public let path: String
    /// The metadata's `database_type` (`GeoLite2-City`, `GeoIP2-City`, `DBIP-City-Lite`).
    public let databaseType: String
    /// When the database was built, in seconds since 1970 (the metadata's `build_epoch`).
    public let buildEpoch: UInt64
    /// 4 for a database of IPv4 networks only, 6 for one of IPv6 networks (which may hold
    /// IPv4 ones too).
    public let ipVersion: Int

    /// Allocated and opened in `open(path:)`, closed and freed in `deinit`; only read in
    /// between (see the type's thread-safety note).
    private nonisolated(unsafe) let mmdb: UnsafeMutablePointer<MMDB_s>

    private init(path: String, mmdb: UnsafeMutablePointer<MMDB_s>) {
        self.path = path
        self.mmdb = mmdb
        let metadata = mmdb.pointee.metadata
        databaseType = metadata.database_type.map { String(cString: $0) } ?? ""
        buildEpoch = metadata.build_epoch
        ipVersion = Int(metadata.ip_version)
    }

    deinit {
        MMDB_close(mmdb)
        mmdb.deallocate()
    }

    /// Opens the City database at `path`. Throws when the file cannot be read, is not a
    /// MaxMind-format database (including one corrupt enough that a probe lookup fails), or
    /// is one of another kind (its `database_type` names neither `City` nor `Enterprise`).
    public static func open(path: String) throws(GeoIPError) -> GeoIPDatabase {
        if let problem = fileProblem(path) { throw GeoIPError(path: path, reason: problem) }
        let mmdb = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        mmdb.initialize(to: MMDB_s())
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), mmdb)
        guard status == MMDB_SUCCESS else {
            // A failed MMDB_open frees what it allocated itself (and keeps errno).
            let reason = openFailureReason(status, systemError: errno)
            mmdb.deallocate()
            throw GeoIPError(path: path, reason: reason)
        }
        // From here `deinit` closes it.
        let database = GeoIPDatabase(path: path, mmdb: mmdb)
        let type = database.databaseType.lowercased()
        guard type.contains("city") || type.contains("enterprise") else {
            throw GeoIPError(path: path, reason: .notACityDatabase(databaseType: database.databaseType))
        }
        if let problem = database.probe() { throw GeoIPError(path: path, reason: .notAMaxMindDatabase(problem)) }
        return database
    }

    /// Where `address` is, or nil when the database has no record for it (or the record is
    /// not a map, or the database is IPv4-only and the address IPv6, or the record cannot be
    /// decoded). Safe to call from any number of threads at once.
    public func lookup(_ address: IPAddress) -> GeoLocation? {
        guard var entry = try? entry(for: address) else { return nil }
        guard let root = value(&entry, .root), root.type == UInt32(MMDB_DATA_TYPE_MAP) else { return nil }
        return GeoLocation(
            countryCode: string(&entry, .countryCode),
            countryName: string(&entry, .countryName),
            regionCode: string(&entry, .regionCode),
            regionName: string(&entry, .regionName),
            city: string(&entry, .city),
            latitude: number(&entry, .latitude),
            longitude: number(&entry, .longitude),
            timeZone: string(&entry, .timeZone),
            continentCode: string(&entry, .continentCode),
            postalCode: string(&entry, .postalCode)
        )
    }

    /// The record for `address`: nil when there is none, thrown libmaxminddb status when the
    /// lookup fails (an IPv6 address in an IPv4 database, a corrupt search tree).
    private func entry(for address: IPAddress) throws(LookupFailure) -> MMDB_entry_s? {
        var error: Int32 = MMDB_SUCCESS
        var result: MMDB_lookup_result_s
        if address.bytes.count == 4 {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            withUnsafeMutableBytes(of: &socketAddress.sin_addr) { $0.copyBytes(from: address.bytes) }
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(mmdb, $0, &error) }
            }
        } else if address.bytes.count == 16 {
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { $0.copyBytes(from: address.bytes) }
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(mmdb, $0, &error) }
            }
        } else {
            return nil
        }
        guard error == MMDB_SUCCESS else { throw LookupFailure(status: error) }
        return result.found_entry ? result.entry : nil
    }

    /// What is wrong with a database that opened: nil when a lookup of a well-known address
    /// (and the decoding of its record, when there is one) works.
    private func probe() -> String? {
        let samples = ipVersion == 6 ? ["8.8.8.8", "2001:4860:4860::8888"] : ["8.8.8.8"]
        for sample in samples {
            guard let address = IPAddress(sample) else { continue }
            do {
                guard var entry = try entry(for: address) else { continue }
                var data = MMDB_entry_data_s()
                let status = RecordPath.root.withCStrings { MMDB_aget_value(&entry, &data, $0) }
                if status != MMDB_SUCCESS { return String(cString: MMDB_strerror(status)) }
            } catch {
                return String(cString: MMDB_strerror(error.status))
            }
        }
        return nil
    }

    /// The value at `path` (map keys, or array indices as decimal text) under `entry`; nil
    /// when absent or undecodable.
    private func value(_ entry: inout MMDB_entry_s, _ path: RecordPath) -> MMDB_entry_data_s? {
        var data = MMDB_entry_data_s()
        let status = path.withCStrings { MMDB_aget_value(&entry, &data, $0) }
        guard status == MMDB_SUCCESS, data.has_data else { return nil }
        return data
    }

    private func string(_ entry: inout MMDB_entry_s, _ path: RecordPath) -> String? {
        guard let data = value(&entry, path), data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING), data.data_size > 0,
            let start = data.utf8_string
        else { return nil }
        let bytes = UnsafeRawBufferPointer(start: start, count: Int(data.data_size))
        return String(decoding: bytes, as: UTF8.self)
    }

    private func number(_ entry: inout MMDB_entry_s, _ path: RecordPath) -> Double? {
        guard let data = value(&entry, path) else { return nil }
        let number: Double
        switch Int32(data.type) {
        case MMDB_DATA_TYPE_DOUBLE: number = data.double_value
        case MMDB_DATA_TYPE_FLOAT: number = Double(data.float_value)
        default: return nil
        }
        return number.isFinite ? number : nil
    }
}

/// A libmaxminddb status other than success from a lookup.
private struct LookupFailure: Error {
    let status: Int32
}

/// A path into a record (map keys, array indices as decimal text: `subdivisions`, `0`,
/// `iso_code`), kept as NUL-terminated C strings in one buffer for `MMDB_aget_value`.
struct RecordPath: Sendable, ExpressibleByArrayLiteral {
    static let root: RecordPath = []
    static let countryCode: RecordPath = ["country", "iso_code"]
    static let countryName: RecordPath = ["country", "names", "en"]
    static let regionCode: RecordPath = ["subdivisions", "0", "iso_code"]
    static let regionName: RecordPath = ["subdivisions", "0", "names", "en"]
    static let city: RecordPath = ["city", "names", "en"]
    static let latitude: RecordPath = ["location", "latitude"]
    static let longitude: RecordPath = ["location", "longitude"]
    static let timeZone: RecordPath = ["location", "time_zone"]
    static let continentCode: RecordPath = ["continent", "code"]
    static let postalCode: RecordPath = ["postal", "code"]

    /// Every component's bytes, each followed by a NUL.
    private let storage: [CChar]
    /// Where each component starts in `storage`.
    private let starts: [Int]

    init(arrayLiteral components: String...) {
        var storage: [CChar] = []
        var starts: [Int] = []
        for component in components {
            starts.append(storage.count)
            storage += component.utf8.map { CChar(bitPattern: $0) }
            storage.append(0)
        }
        self.storage = storage
        self.starts = starts
    }

    /// Runs `body` with the path as the NULL-terminated array of C strings that
    /// `MMDB_aget_value` takes, valid only during the call.
    func withCStrings<Result>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result) -> Result {
        storage.withUnsafeBufferPointer { characters in
            withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: starts.count + 1) { pointers in
                for (index, start) in starts.enumerated() { pointers[index] = characters.baseAddress.map { $0 + start } }
                pointers[starts.count] = nil
                return body(UnsafePointer(pointers.baseAddress))
            }
        }
    }
}

/// What is wrong with `path` as `stat` sees it (missing, not a regular file, empty), or nil
/// when it is a regular file with some bytes.
private func fileProblem(_ path: String) -> GeoIPError.Reason? {
    var status = stat()
    guard stat(path, &status) == 0 else { return .cannotOpen(String(cString: strerror(errno))) }
    switch status.st_mode & S_IFMT {
    case S_IFREG: return status.st_size == 0 ? .notAMaxMindDatabase("the file is empty") : nil
    case S_IFDIR: return .cannotOpen(String(cString: strerror(EISDIR)))
    default: return .cannotOpen("not a regular file")
    }
}

/// The error for a failed `MMDB_open`: the file could not be read, or it is not a database.
private func openFailureReason(_ status: Int32, systemError: Int32) -> GeoIPError.Reason {
    switch status {
    case MMDB_FILE_OPEN_ERROR where systemError != 0:
        return .cannotOpen(String(cString: strerror(systemError)))
    case MMDB_FILE_OPEN_ERROR, MMDB_IO_ERROR, MMDB_OUT_OF_MEMORY_ERROR:
        return .cannotOpen(String(cString: MMDB_strerror(status)))
    default:
        return .notAMaxMindDatabase(String(cString: MMDB_strerror(status)))
    }
}
