// DependencyCheck: one verdict per dependency for GET /healthz and GET /readyz, from the
// drivers' cheap probes (`health()`) and what this process observed (`Readiness`: the last
// publish, the last store write). Both endpoints name a failing dependency the same way;
// the readiness gauges are set from the same verdicts.

import Metrics
import PipelineKit

struct DependencyCheck: Sendable {
    let queue: any EventQueue
    /// The store, pinged by /healthz (ingest nodes serve analytics reads from it).
    let store: (any EventStore)?
    let readiness: Readiness
    /// True when this process runs the worker: only then is the store's progress its own.
    let watchesStore: Bool
    let maxStoreStall: Duration
    let maxBacklogEvents: Int
    /// How long a refused publish keeps the queue "not ready" while the probe says it is up:
    /// long enough to cover a publisher that fails after its confirm timeout, short enough that
    /// a balancer that stopped sending (so no publish can clear it) sends again soon.
    static let publishFailureWindow: Duration = .seconds(5)

    /// The queue's verdict: its probe, then the last publish if it failed recently.
    func queueHealth(now: ContinuousClock.Instant = .now) async -> DependencyHealth {
        let probed = await queue.health()
        guard probed.up else { return probed }
        if let failure = readiness.publishFailure, now - failure.last < Self.publishFailureWindow {
            return DependencyHealth(name: "queue", up: false, detail: "\(probed.detail ?? "queue"): the last publish failed: \(failure.message)")
        }
        return probed
    }

    /// The store's verdict from the worker's observations (nil when this process runs no
    /// worker); with `ping`, also the driver's own probe.
    func storeHealth(ping: Bool, now: ContinuousClock.Instant = .now) async -> DependencyHealth? {
        if watchesStore, let behind = readiness.storeBehind(stall: maxStoreStall, now: now) {
            return DependencyHealth(name: "store", up: false, detail: "behind: \(behind)")
        }
        guard let store, ping else { return watchesStore ? DependencyHealth(name: "store", up: true) : nil }
        return await store.health()
    }

    /// Events accepted and not yet stored, when the queue knows.
    var backlog: Int? { queue.backlogEvents }

    /// Sets the gauges: `smolhog_ready` (1 or 0), `smolhog_dependency_ready{dependency}` and
    /// `smolhog_queue_backlog_events`.
    func recordGauges(ready: Bool, dependencies: [DependencyHealth]) {
        Gauge(label: "smolhog_ready").record(ready ? 1 : 0)
        for dependency in dependencies {
            Gauge(label: "smolhog_dependency_ready", dimensions: [("dependency", dependency.name)]).record(dependency.up ? 1 : 0)
        }
        if let backlog { Gauge(label: "smolhog_queue_backlog_events").record(backlog) }
    }
}
