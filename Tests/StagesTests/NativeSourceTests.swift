// The native source (`POST /events`) as a plugin: its answers, its refusals, and the context
// it hands the ingest path; driven with a plain SourceRequest and a recording ingest.

import Foundation
import PipelineKit
import Stages
import Synchronization
import Testing

@Suite struct NativeSourceTests {
    /// Accepts every item whose event_id starts neither with "bad" (rejected) nor with "drop"
    /// (filtered out); records the batch.
    final class Recorder: Sendable {
        let batches = Mutex<[Batch<RawEvent>]>([])
        var ingest: SourceIngest {
            SourceIngest { batch in
                self.batches.withLock { $0.append(batch) }
                var accepted: [Event] = []
                var rejections = batch.rejections
                var filtered = 0
                for (item, origin) in zip(batch.items, batch.origins) {
                    let id = item.fields["event_id"]?.stringValue ?? ""
                    if id.hasPrefix("bad") {
                        rejections.append(Rejection(index: origin, field: "event_id", reason: "is bad"))
                    } else if id.hasPrefix("drop") {
                        filtered += 1
                    } else {
                        accepted.append(event(id))
                    }
                }
                return IngestResult(accepted: accepted, rejections: rejections.sorted { $0.index < $1.index }, filtered: filtered)
            }
        }
    }

    func request(_ body: String, headers: [(name: String, value: String)] = [], maxItems: Int = .max) -> SourceRequest {
        SourceRequest(
            method: .post, path: "/events", headers: headers, body: Array(body.utf8), context: IngestContext(source: "native", clientIP: "192.0.2.1"),
            maxItems: maxItems)
    }

    @Test func aPartlyTakenBatchAnswers200WithTheCountsAndEachRejection() async throws {
        let recorder = Recorder()
        let answer = try await NativeSource().receive(request(#"{"events":[{"event_id":"a"},{"event_id":"bad"},7]}"#), ingest: recorder.ingest)
        #expect(answer.status == 200)
        let json = try #require(answer.json.objectValue)
        #expect(json["status"] == "partial")
        #expect(json["events_received"] == 3)
        #expect(json["events_accepted"] == 1)
        #expect(json["events_rejected"] == 2)
        #expect(json["message"] == "1 events queued for processing, 2 rejected")
        #expect(json["rejected"] == [["index": 1, "field": "event_id", "reason": "is bad"], ["index": 2, "field": nil, "reason": "must be a JSON object"]])
        let batch = try #require(recorder.batches.withLock { $0.first })
        #expect(batch.origins == [0, 1])
        #expect(batch.context == IngestContext(source: "native", clientIP: "192.0.2.1"), "no key without key_header")
    }

    @Test func everyEventRejectedAnswers400AndNoneRejectedAnswersSuccess() async throws {
        let allBad = try await NativeSource().receive(request(#"{"events":[{"event_id":"bad1"}]}"#), ingest: Recorder().ingest)
        #expect(allBad.status == 400)
        #expect(allBad.json.objectValue?["code"] == "invalid_events")
        let good = try await NativeSource().receive(request(#"{"events":[{"event_id":"g"}]}"#), ingest: Recorder().ingest)
        #expect(good.status == 200)
        #expect(good.json.objectValue?["status"] == "success")
        #expect(good.json.objectValue?["message"] == "Events queued for processing")
    }

    @Test func filteredEventsAreCountedAndAreNeitherAcceptedNorRejected() async throws {
        let mixed = try await NativeSource().receive(
            request(#"{"events":[{"event_id":"a"},{"event_id":"drop1"},{"event_id":"bad"}]}"#), ingest: Recorder().ingest)
        #expect(mixed.status == 200)
        let json = try #require(mixed.json.objectValue)
        #expect(json["status"] == "partial")
        #expect(json["events_received"] == 3 && json["events_accepted"] == 1 && json["events_rejected"] == 1 && json["events_filtered"] == 1)
        #expect(json["message"] == "1 events queued for processing, 1 rejected, 1 filtered")

        // Nothing queued but something filtered: taken, so 200, never invalid_events.
        let filteredAndBad = try await NativeSource().receive(request(#"{"events":[{"event_id":"drop1"},{"event_id":"bad"}]}"#), ingest: Recorder().ingest)
        #expect(filteredAndBad.status == 200)
        #expect(filteredAndBad.json.objectValue?["events_accepted"] == 0 && filteredAndBad.json.objectValue?["events_filtered"] == 1)
        let allFiltered = try await NativeSource().receive(request(#"{"events":[{"event_id":"drop1"},{"event_id":"drop2"}]}"#), ingest: Recorder().ingest)
        #expect(allFiltered.status == 200)
        #expect(allFiltered.json.objectValue?["status"] == "success")
        #expect(allFiltered.json.objectValue?["events_filtered"] == 2)
        #expect(allFiltered.json.objectValue?["message"] == "0 events queued for processing, 2 filtered")
        let none = try await NativeSource().receive(request(#"{"events":[{"event_id":"g"}]}"#), ingest: Recorder().ingest)
        #expect(none.json.objectValue?["events_filtered"] == 0)
    }

    @Test func theKeyHeaderBecomesTheContextsKey() async throws {
        let recorder = Recorder()
        let source = NativeSource(keyHeader: "X-SmolHog-Key")
        _ = try await source.receive(request(#"{"events":[{"event_id":"a"}]}"#, headers: [("x-smolhog-key", "proj-1")]), ingest: recorder.ingest)
        #expect(recorder.batches.withLock { $0.first?.context.key } == "proj-1")
    }

    @Test(arguments: [
        (#"{"events":[{"event_id": }"#, 400, "malformed_json"),
        ("[1]", 400, "invalid_body"),
        (#"{"evnts":[]}"#, 400, "invalid_body"),
        (#"{"events":[{},{},{}]}"#, 413, "batch_too_large"),
    ])
    func refusalsAreSourceErrorsWithStatusAndCode(body: String, status: Int, code: String) async {
        let recorder = Recorder()
        await #expect {
            _ = try await NativeSource().receive(request(body, maxItems: 2), ingest: recorder.ingest)
        } throws: { error in
            (error as? SourceError).map { $0.status == status && $0.code == code } ?? false
        }
        #expect(recorder.batches.withLock { $0.isEmpty }, "nothing reaches the ingest path")
    }

    @Test func headersAndQueryItemsOfAPlainRequest() {
        let request = SourceRequest(method: .get, path: "/e/", query: [("data", "eyJ9"), ("ip", "1"), ("data", "second")], headers: [("User-Agent", "x")])
        #expect(request.query("data") == "eyJ9")
        #expect(request.queryItems.count == 3)
        #expect(request.header("user-agent") == "x")
        #expect(request.header("origin") == nil)
        #expect(SourceRoute("/batch/").normalizedPath == "/batch")
        #expect(SourceRoute("/").normalizedPath == "/")
    }
}
