// The `filter` stage on each path of a built graph: on the ingest path a filtered event is
// neither queued nor rejected and the batch says how many; on the worker path filtered
// events are acknowledged with their message, never stored, redelivered or dead-lettered,
// and a retried write does not run the worker stages again.

import Foundation
import Testing

@testable import PipelineKit
@testable import Stages

@Suite struct FilterPathTests {
    func raw(_ id: String, name: String = "view", properties: JSONObject = [:]) -> RawEvent {
        RawEvent(fields: [
            "event_id": .string(id), "event_name": .string(name), "user_id": "u1", "timestamp": "2024-05-06T07:08:09Z", "properties": .object(properties),
        ])
    }

    @Test func onTheIngestPathFilteredEventsAreNeitherQueuedNorRejected() async throws {
        let graph = try compile(
            """
            stages:
              - validate
              - filter:
                  - name: no-heartbeats
                    drop_events: [heartbeat]
                  - drop_if: {property: internal, equals: true}
              - queue: {memory: {}}
              - persist: {memory: {}}
              - aggregate
            """, plugins: testPlugins)
        let runtime = try await graph.build(context: BuildContext(baseDirectory: "/", logger: testLogger, role: .all))
        let ingest = try #require(runtime.ingest)
        let queue = try #require(runtime.queue as? MemoryQueue)
        let batch = Batch(
            decoded: [
                raw("in-1"), raw("in-2", name: "heartbeat"), nil, raw("in-3", properties: ["internal": true]),
                RawEvent(fields: ["event_id": "in-4", "event_name": "view"]), raw("in-5", properties: ["internal": false]),
            ], receivedAt: .now(), context: IngestContext(source: "native"))
        let taken = try await ingest.run(batch)
        #expect(taken.items.map(\.eventID) == ["in-1", "in-5"])
        #expect(taken.filtered == 2)
        #expect(taken.rejections.map(\.index).sorted() == [2, 4], "the rejected ones stay rejected; the filtered ones are not among them")
        #expect(queue.depth.ready == 1, "one message with the kept events")
    }

    @Test func onTheWorkerPathFilteredEventsAreAcknowledgedAndTheStagesRunOncePerGroup() async throws {
        let graph = try compile(
            """
            worker: {backoff_ms: 1, max_backoff_ms: 2, max_attempts: 2}
            stages:
              - validate
              - queue: {memory: {}}
              - filter:
                  - drop_events: [heartbeat]
                  - drop_if: {property: plan, equals: internal}
              - record_context
              - persist: {memory: {}}
              - aggregate
            """, plugins: testPlugins.adding(stages: [RecordContextStageKind.self]))
        let runtime = try await graph.build(context: BuildContext(baseDirectory: "/", logger: testLogger, role: .all))
        let path = try #require(runtime.worker)
        let queue = try #require(runtime.queue as? MemoryQueue)
        let store = try #require(runtime.store as? MemoryStore)
        try await queue.publish([
            event("wk-1"), event("wk-hb", name: "heartbeat"), event("wk-2", properties: ["plan": "internal"]), event("wk-3"),
        ])
        try await queue.publish([event("wk-hb2", name: "heartbeat")])
        // An outage first: the write is retried, the worker stages are not run again.
        store.failNextWrites(3, with: MemoryStoreError.unavailable("connection refused"))

        let consumer = try await queue.makeConsumer(prefetch: 10)
        let deliveries = try #require(try await consumer.next(maxWait: .seconds(30)))
        #expect(deliveries.count == 2)
        try await WorkerLoop(queue: queue, path: path, settings: runtime.settings, logger: testLogger).handle(deliveries, consumer: consumer)

        #expect(store.storedEvents.map(\.eventID) == ["wk-1", "wk-3"])
        #expect(store.writeCount == 4, "three failed writes, then the one that went through")
        let runs = recordedContexts.withLock { $0.filter { $0.ids.contains { $0.hasPrefix("wk-") } } }
        #expect(runs.map(\.ids) == [["wk-1", "wk-3"]], "the worker stages ran once for the group")
        #expect(queue.depth == (0, 0), "both messages acknowledged, the one whose only event was filtered too")
        #expect(queue.deadLetters.isEmpty && store.deadLetters.isEmpty, "a filtered event is not poison")
        #expect(try await store.stats(top: 5).totalEvents == 2)
    }
}
