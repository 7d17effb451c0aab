// The request context travels with its batch: set by the source, read by ingest stages,
// carried by the queue message, and handed to the worker stages per message; never stored.

import Foundation
import Synchronization
import Testing

@testable import PipelineKit
@testable import Stages

/// What `record_context` saw: each batch's context and event ids.
let recordedContexts = Mutex<[(context: IngestContext, ids: [String])]>([])

/// `- record_context`: a worker stage that records each batch's context.
enum RecordContextStageKind: StageKind {
    struct Config: Decodable, Sendable {}
    static let name = "record_context"
    static var defaultConfig: Config? { Config() }
    static func build(_ config: Config, context: BuildContext) async throws -> RecordContextStage { RecordContextStage() }
}

struct RecordContextStage: Stage {
    func process(_ batch: Batch<Event>) async throws -> Batch<Event> {
        recordedContexts.withLock { $0.append((batch.context, batch.items.map(\.eventID))) }
        return batch
    }
}

@Suite struct IngestContextFlowTests {
    func raw(_ id: String) -> RawEvent {
        RawEvent(fields: ["event_id": .string(id), "event_name": "view", "user_id": "u1", "timestamp": "2024-05-06T07:08:09Z", "properties": ["plan": "pro"]])
    }

    @Test func theContextReachesTheWorkerStagesPerMessageAndIsNotStored() async throws {
        let graph = try compile(
            """
            stages:
              - validate
              - queue: {memory: {}}
              - record_context
              - persist: {memory: {}}
              - aggregate
            """, plugins: testPlugins.adding(stages: [RecordContextStageKind.self]))
        let runtime = try await graph.build(context: BuildContext(baseDirectory: "/", logger: testLogger, role: .all))
        let ingest = try #require(runtime.ingest)
        let path = try #require(runtime.worker)
        let store = try #require(runtime.store as? MemoryStore)
        let first = IngestContext(source: "native", clientIP: "203.0.113.9", userAgent: "curl/8", key: "k1", sentAt: Timestamp(microseconds: 5))
        let second = IngestContext(source: "native", clientIP: "2001:db8::1")
        _ = try await ingest.run(Batch(decoded: [raw("flow-a1"), nil, raw("flow-a2")], receivedAt: .now(), context: first))
        _ = try await ingest.run(Batch(decoded: [raw("flow-b1")], receivedAt: .now(), context: second))
        try await runtime.queue.publish([event("flow-c1")])

        let consumer = try await runtime.queue.makeConsumer(prefetch: 10)
        let deliveries = try #require(try await consumer.next(maxWait: .seconds(30)))
        #expect(deliveries.count == 3)
        try await WorkerLoop(queue: runtime.queue, path: path, settings: runtime.settings, logger: testLogger).handle(deliveries, consumer: consumer)

        let seen = recordedContexts.withLock { $0.filter { $0.ids.contains { $0.hasPrefix("flow-") } } }
        #expect(seen.map(\.ids) == [["flow-a1", "flow-a2"], ["flow-b1"], ["flow-c1"]], "one worker batch per run of one context, in order")
        #expect(seen.map(\.context) == [first, second, IngestContext()])
        let stored = store.storedEvents.filter { $0.eventID.hasPrefix("flow-") }
        #expect(stored.count == 4)
        #expect(
            stored.filter { $0.eventID != "flow-c1" }.allSatisfy { $0.propertiesJSON == #"{"plan":"pro"}"# }, "the context is not written to the store")
    }
}
