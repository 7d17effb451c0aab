// HeapTrimmer: hands memory that glibc's allocator holds but no longer uses back to the
// kernel, on a timer. Owns nothing else; it touches no pipeline state.

import CMalloc
import ServiceLifecycle

/// Calls `malloc_trim(0)` every `interval` until graceful shutdown.
///
/// Why: a burst of large batches frees hundreds of megabytes that glibc keeps in its arenas,
/// so without this an idle daemon stays at its peak RSS for good (about 300 MB after the
/// bench's load, against 40 MB at start). Under load a trim costs a few milliseconds and the
/// pages it returns are faulted in again as needed, so a timer is simpler than tracking
/// idleness and costs about as little.
struct HeapTrimmer: Service {
    var interval: Duration = .seconds(10)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                _ = malloc_trim(0)
            }
        }
    }
}
