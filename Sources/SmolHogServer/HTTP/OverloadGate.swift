// OverloadGate: what ingest answers while the worker is too far behind. Past
// `server.max_backlog_events` events accepted and not yet stored, POST /events answers 503
// `overloaded` with Retry-After before reading the body, so a rate the worker cannot follow
// costs the clients retries instead of costing this machine disk and memory.

import Hummingbird
import Metrics
import PipelineKit

struct OverloadGate: Sendable {
    let queue: any EventQueue
    let maxBacklogEvents: Int

    /// Nil to go ahead; the 503 to answer otherwise. Runs on every ingest request: one atomic
    /// load through the queue (`EventQueue.backlogEvents`), no lock, no I/O.
    func refusal() -> Response? {
        guard let backlog = queue.backlogEvents, backlog >= maxBacklogEvents else { return nil }
        Counter(label: "smolhog_ingest_overloaded_requests_total").increment()
        var response = JSONResponse.make(
            .serviceUnavailable,
            [
                "error": "overloaded", "code": "overloaded",
                "message": .string(
                    "\(backlog) events are accepted and not yet stored, at or above server.max_backlog_events (\(maxBacklogEvents)); retry after the Retry-After seconds"
                ),
                "backlog_events": JSONValue(backlog), "max_backlog_events": JSONValue(maxBacklogEvents),
            ])
        response.headers[.retryAfter] = "1"
        return response
    }
}
