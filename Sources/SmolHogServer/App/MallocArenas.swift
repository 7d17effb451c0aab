// MallocArenas: how many glibc malloc arenas a daemon process uses, set once at start.
// Owns that one allocator setting; HeapTrimmer owns giving freed memory back.

import CMalloc
import Foundation

enum MallocArenas {
    /// Two arenas instead of glibc's default of eight per core.
    ///
    /// Why: with many arenas a burst spreads its short-lived buffers over all of them, and a
    /// few small objects that outlive it pin pages in each, which `malloc_trim` cannot return.
    /// After the bench's embedded load the daemon stayed at 79–89 MB idle with the default,
    /// 53–55 MB with two, at the same throughput (docs/performance.md). An operator's own
    /// `GLIBC_TUNABLES=glibc.malloc.arena_max=…` wins.
    static let count: Int32 = 2

    /// Call before the process starts its threads.
    static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.arena_max") == true { return }
        _ = mallopt(M_ARENA_MAX, count)
    }
}
