// The posthog and segment sources as plugins: the answers each SDK needs (exactly
// 200 {"status":1} with some events refused or filtered out, v1's per-uuid results, Segment's
// success, 400 only when nothing was taken), the flags stub, refusals of whole requests, and the context
// they hand the ingest path (key, sent-at); driven with plain SourceRequests.

import Foundation
import Logging
import PipelineKit
import Stages
import Testing

@Suite struct WireSourcesTests {
    let recorder = NativeSourceTests.Recorder()
    let posthog = PostHogSource(logger: Logger(label: "test"))
    let segment = SegmentSource(logger: Logger(label: "test"))

    func request(
        _ target: String, _ body: String, method: SourceMethod = .post, headers: [(name: String, value: String)] = [], maxItems: Int = .max
    )
        -> SourceRequest
    {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        return SourceRequest(
            method: method, path: parts[0], headers: [(name: "Content-Type", value: "application/json")] + headers, body: Array(body.utf8),
            context: IngestContext(source: "test"), receivedAt: Timestamp(microseconds: 1_800_000_000_000_000), maxItems: maxItems,
            maxBodyBytes: 1 << 20, rawQuery: parts.count > 1 ? parts[1] : nil)
    }

    @Test func posthogAnswersStatusOneWhenSomeEventsAreRefusedAndCarriesTheKeyAndSentAt() async throws {
        let body = #"""
            {"api_key":"phc_k","sent_at":"2027-01-15T08:00:00+00:00","batch":[
              {"event":"a","distinct_id":"u","uuid":"good-1","timestamp":"2027-01-15T08:00:00+00:00"},
              {"event":"b","distinct_id":"u","uuid":"bad-2"}]}
            """#
        let answer = try await posthog.receive(request("/batch/", body), ingest: recorder.ingest)
        #expect(answer.status == 200)
        #expect(answer.json == ["status": 1])
        let batch = try #require(recorder.batches.withLock { $0.first })
        #expect(batch.context.key == "phc_k")
        #expect(batch.context.sentAt == Timestamp(iso8601: "2027-01-15T08:00:00Z"))
        #expect(batch.context.source == "test")
    }

    @Test func posthogAnswers400OnlyWhenNothingCanBeTaken() async throws {
        let answer = try await posthog.receive(request("/e", #"[{"event":"b","distinct_id":"u","uuid":"bad-1"}]"#), ingest: recorder.ingest)
        #expect(answer.status == 400)
        #expect(answer.json.objectValue?["code"] == "invalid_events")
    }

    @Test func filteredEventsCountAsTakenSoTheAnswersStayTheSDKs() async throws {
        // One event filtered out, one refused: taken, so PostHog's and Segment's usual 200.
        let posthogBody = #"[{"event":"a","distinct_id":"u","uuid":"drop-1"},{"event":"b","distinct_id":"u","uuid":"bad-2"}]"#
        let posthogAnswer = try await posthog.receive(request("/e", posthogBody), ingest: recorder.ingest)
        #expect(posthogAnswer.status == 200)
        #expect(posthogAnswer.json == ["status": 1])
        let segmentBody =
            #"{"batch":[{"type":"track","event":"e","userId":"u","messageId":"drop-1"},{"type":"track","event":"e","userId":"u","messageId":"bad-2"}]}"#
        let segmentAnswer = try await segment.receive(request("/v1/batch", segmentBody), ingest: recorder.ingest)
        #expect(segmentAnswer.status == 200)
        #expect(segmentAnswer.json == ["success": true])
    }

    @Test func posthogV1AnswersEachTakenUUID() async throws {
        let body =
            #"{"created_at":"2027-01-15T08:00:00Z","batch":[{"event":"a","distinct_id":"u","uuid":"id-1"},{"event":"b","distinct_id":"u","uuid":"bad-2"}]}"#
        let answer = try await posthog.receive(request("/i/v1/analytics/events", body, headers: [("Authorization", "Bearer phc_v1")]), ingest: recorder.ingest)
        #expect(answer.status == 200)
        #expect(answer.json == ["results": ["id-1": ["result": "ok"]]])
        #expect(recorder.batches.withLock { $0.first?.context.key } == "phc_v1")
    }

    @Test func posthogFlagsAnswerNoFlagsWithoutReadingABatch() async throws {
        for path in ["/decide/", "/flags"] {
            let answer = try await posthog.receive(request(path, "data=eyJ0b2tlbiI6InBoYyJ9", method: .post), ingest: recorder.ingest)
            #expect(answer.status == 200)
            #expect(answer.json.objectValue?["featureFlags"] == [:])
            #expect(answer.json.objectValue?["flags"] == [:])
        }
        #expect(recorder.batches.withLock { $0.isEmpty })
    }

    @Test func wholeRequestsAreRefusedWithTheStatusThatStopsRetries() async throws {
        let cases: [(SourceRequest, Int)] = [
            (request("/batch", "{"), 400),
            (request("/batch", "[" + Array(repeating: #"{"event":"a","distinct_id":"u"}"#, count: 3).joined(separator: ",") + "]", maxItems: 2), 413),
            (request("/e/?compression=zstd", "abc"), 415),
            (request("/v1/batch", #"{"batch":{}}"#), 400),
        ]
        for (request, status) in cases {
            let source: any Source = request.path.hasPrefix("/v1") ? segment : posthog
            let error = try await #require(throws: SourceError.self, "\(request.path)") { _ = try await source.receive(request, ingest: recorder.ingest) }
            #expect(error.status == status, "\(request.path): \(error)")
            #expect(!error.message.isEmpty)
        }
        #expect(recorder.batches.withLock { $0.isEmpty }, "nothing reached the ingest path")
    }

    @Test func segmentAnswersSuccessAndTakesTheWriteKeyFromBasicAuth() async throws {
        let body =
            #"{"sentAt":"2027-01-15T08:00:00Z","batch":[{"type":"track","event":"e","userId":"u","messageId":"m-1"},{"type":"track","event":"e","userId":"u","messageId":"bad-2"}]}"#
        let basic = "Basic " + Data("seg_key:".utf8).base64EncodedString()
        let answer = try await segment.receive(request("/v1/batch", body, headers: [("Authorization", basic)]), ingest: recorder.ingest)
        #expect(answer.status == 200)
        #expect(answer.json == ["success": true])
        #expect(recorder.batches.withLock { $0.first?.context.key } == "seg_key")
        let none = try await segment.receive(request("/v1/track", #"{"event":"e","userId":"u","messageId":"bad-1"}"#), ingest: recorder.ingest)
        #expect(none.status == 400)
    }
}
