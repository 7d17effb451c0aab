// ReloadingGeoIPDatabase: a GeoIP database that follows its file on disk: lookups notice,
// at most once per check interval, that the file was replaced and switch to the new one.

public import PipelineKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `GeoIPDatabase` that is opened again when its file changes on disk (a monthly
/// `geoipupdate`), without a restart.
///
/// Checks are lazy: a `lookup(_:)` that finds the check interval passed since the last check
/// compares the file's identity (device, inode, size, modification time, from `stat`) with
/// the one it was opened from; between checks a lookup costs one monotonic clock read and
/// one atomic load more than `GeoIPDatabase.lookup(_:)`, plus a short lock to take a
/// reference to the current database. Only one lookup at a time wins a due check (the others
/// go on with the current database); when the file changed, that lookup opens it, on its own
/// thread.
///
/// Invariants:
/// - A replacement that opens cleanly is swapped in and reported once through `onReload`.
/// - A replacement that is missing, unreadable or corrupt is never swapped in: the last good
///   database keeps serving, and the failure is reported once per distinct state of the file
///   through `onReloadFailure` (a later change of the file is tried, and reported, anew).
/// - A lookup holds a strong reference to the database it reads for the whole call, so a
///   database swapped out during the lookup is closed only when that lookup returns.
///
/// Replace the file by renaming a complete new one over it (see `GeoIPDatabase`).
public final class ReloadingGeoIPDatabase: Sendable {
    /// The file followed.
    public let path: String
    /// The least time between two checks of the file.
    public let checkInterval: Duration

    private struct State {
        var database: GeoIPDatabase
        /// The file as it was when `database` was opened from it.
        var loaded: FileState
        /// The file as it was when its last reload failure was reported; nil after a success.
        var reportedFailure: FileState?
    }

    private let state: Mutex<State>
    /// Monotonic time (`monotonicNanoseconds()`) from which a lookup checks the file.
    private let nextCheck: Atomic<UInt64>
    private let intervalNanoseconds: UInt64
    private let onReload: @Sendable (GeoIPDatabase) -> Void
    private let onReloadFailure: @Sendable (GeoIPError) -> Void

    /// Opens the database at `path` (throwing as `GeoIPDatabase.open(path:)` does) and
    /// follows it: a change is looked for at most once per `checkInterval` (a zero or negative
    /// interval checks on every lookup). `onReload` is called with each replacement swapped in,
    /// `onReloadFailure` with each failed one; both run, outside any lock, on the thread of the
    /// lookup that made the check, which waits for them (so they should only log or count).
    public init(
        path: String, checkInterval: Duration = .seconds(5), onReload: @escaping @Sendable (GeoIPDatabase) -> Void = { _ in },
        onReloadFailure: @escaping @Sendable (GeoIPError) -> Void = { _ in }
    ) throws(GeoIPError) {
        // The identity is taken first: a file replaced between the stat and the open is seen
        // as changed at the first check, and opened again.
        let loaded = FileState(path: path)
        let database = try GeoIPDatabase.open(path: path)
        self.path = path
        self.checkInterval = checkInterval
        self.onReload = onReload
        self.onReloadFailure = onReloadFailure
        intervalNanoseconds = nanoseconds(checkInterval)
        state = Mutex(State(database: database, loaded: loaded, reportedFailure: nil))
        nextCheck = Atomic(monotonicNanoseconds() &+ intervalNanoseconds)
    }

    /// The database lookups currently read.
    public var current: GeoIPDatabase { state.withLock { $0.database } }

    /// Where `address` is, in the current database (see `GeoIPDatabase.lookup(_:)`), after
    /// checking the file when a check is due. Safe to call from any number of threads at once.
    public func lookup(_ address: IPAddress) -> GeoLocation? {
        checkIfDue()
        let database = current
        return database.lookup(address)
    }

    /// Checks the file when the interval has passed and no other lookup claimed the check.
    private func checkIfDue() {
        let now = monotonicNanoseconds()
        let due = nextCheck.load(ordering: .relaxed)
        guard now >= due else { return }
        guard nextCheck.compareExchange(expected: due, desired: now &+ intervalNanoseconds, ordering: .relaxed).exchanged else { return }
        reloadIfChanged()
    }

    /// Opens the file again when it is not as it was when the current database was opened,
    /// nor as it was at the last reported failure.
    private func reloadIfChanged() {
        let seen = FileState(path: path)
        let unchanged = state.withLock { seen == $0.loaded || seen == $0.reportedFailure }
        if unchanged { return }
        let error: GeoIPError
        switch seen {
        case .missing(let why):
            error = GeoIPError(path: path, reason: .cannotOpen(why))
        case .present:
            do {
                let database = try GeoIPDatabase.open(path: path)
                state.withLock {
                    $0.database = database
                    $0.loaded = seen
                    $0.reportedFailure = nil
                }
                onReload(database)
                return
            } catch let failure {
                error = failure
            }
        }
        let firstReport = state.withLock {
            guard $0.reportedFailure != seen else { return false }
            $0.reportedFailure = seen
            return true
        }
        if firstReport { onReloadFailure(error) }
    }
}

/// A file as `stat` sees it: which file is at the path and what version of it.
enum FileState: Hashable, Sendable {
    /// A file is there: its device, inode, size and modification time (ns since 1970).
    case present(device: UInt64, inode: UInt64, size: Int64, modified: Int64)
    /// `stat` fails: the system's reason (`No such file or directory`).
    case missing(String)

    init(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            self = .missing(String(cString: strerror(errno)))
            return
        }
        #if canImport(Darwin)
            let modified = status.st_mtimespec
        #else
            let modified = status.st_mtim
        #endif
        self = .present(
            device: UInt64(truncatingIfNeeded: status.st_dev), inode: UInt64(truncatingIfNeeded: status.st_ino),
            size: Int64(status.st_size), modified: Int64(modified.tv_sec) &* 1_000_000_000 &+ Int64(modified.tv_nsec)
        )
    }
}

/// Nanoseconds on the system's monotonic clock (`CLOCK_MONOTONIC`): never goes back, cheap
/// (no system call on Linux).
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}

/// `duration` in whole nanoseconds; 0 for a zero or negative one, saturated when huge.
private func nanoseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0, duration > .zero else { return 0 }
    let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    if overflow { return UInt64.max / 2 }
    return min(whole &+ UInt64(attoseconds / 1_000_000_000), UInt64.max / 2)
}
