// The process's file limit (RLIMIT_NOFILE) and the connection cap derived from it: every
// connection is a file descriptor, and the store, the queue and the logs need some too.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The open-file limit as found and, where allowed, raised at start.
struct FileLimit {
    /// The soft limit before start-up raised it.
    var initial: Int
    /// The soft limit now.
    var current: Int

    /// Descriptors kept for everything that is not a connection: at most half the limit, at
    /// most 256 (SQLite files and journals, the queue's segments, sockets to services, logs).
    var reserve: Int { min(current / 2, 256) }

    /// `server.max_connections` when the config leaves it out: the limit less the reserve,
    /// at least 1 and at most 16384.
    var defaultMaxConnections: Int { max(1, min(current - reserve, 16_384)) }

    /// Raises the soft limit to the hard limit (capped at 1,048,576, as an unlimited hard
    /// limit would be) and reports both; a refusal leaves the limit as it was.
    static func raise() -> FileLimit {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return FileLimit(initial: 1024, current: 1024) }
        let initial = Int(clamping: limit.rlim_cur)
        let target = min(limit.rlim_max, 1_048_576)
        if target > limit.rlim_cur {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return FileLimit(initial: initial, current: Int(clamping: target)) }
        }
        return FileLimit(initial: initial, current: initial)
    }
}
