// RateLimitedLog: a warning that may recur on every request (a full disk refuses every
// publish) is logged the first time, then at most once per interval with how many were
// left out in between, so the log says what is wrong without drowning.

package import Logging
import Synchronization

/// Lets one occurrence through per `interval` and counts the rest.
///
/// Invariant: the first occurrence is always let through; each one let through after it
/// carries the number suppressed since the previous one.
package final class RateLimitedLog: Sendable {
    struct State {
        var lastLogged: ContinuousClock.Instant?
        var suppressed = 0
    }

    let interval: Duration
    private let state = Mutex(State())

    /// At most one occurrence per `interval` goes through.
    package init(interval: Duration) {
        self.interval = interval
    }

    /// Nil when this occurrence is to be left out; otherwise how many were left out before it.
    package func admit(at now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { state in
            if let last = state.lastLogged, now - last < interval {
                state.suppressed += 1
                return nil
            }
            defer {
                state.lastLogged = now
                state.suppressed = 0
            }
            return state.suppressed
        }
    }

    /// Logs `message` at `level` unless it is to be left out; adds `suppressed` to the
    /// metadata when earlier occurrences were.
    package func log(
        _ logger: Logger, level: Logger.Level = .warning, _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata = [:], at now: ContinuousClock.Instant = .now
    ) {
        guard let suppressed = admit(at: now) else { return }
        var fields = metadata()
        if suppressed > 0 { fields["suppressed"] = "\(suppressed)" }
        logger.log(level: level, message(), metadata: fields)
    }
}
