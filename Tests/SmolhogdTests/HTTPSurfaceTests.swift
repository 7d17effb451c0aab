import Foundation
import Testing

/// The HTTP API as the README documents it, over HTTP against the real binary. One embedded
/// `serve` (started once by `SharedDaemon`) answers every test of this suite; each test reads
/// or writes only its own event names, so they run side by side.
@Suite(SharedDaemon()) struct HTTPSurfaceTests {
    static var daemon: DaemonProcess {
        get throws { try #require(SharedDaemon.current, "the suite's daemon did not start") }
    }

    // MARK: POST /events

    @Test func aTakenBatchAnswers200WithEveryFieldAndEachRejection() async throws {
        let daemon = try Self.daemon
        var good = Self.event("post-1", name: "surface.post", user: "poster", at: "2024-02-01T10:00:00Z")
        good["properties"] = ["plan": "pro"]
        var noUser = Self.event("post-2", name: "surface.post", user: "x", at: "2024-02-01T10:00:00Z")
        noUser["user_id"] = nil
        let naive = Self.event("post-3", name: "surface.post", user: "poster", at: "2024-02-01T10:00:00")
        var arrayProperties = Self.event("post-4", name: "surface.post", user: "poster", at: "2024-02-01T10:00:00Z")
        arrayProperties["properties"] = ["a", "b"]
        let partial = try await daemon.json("POST", "/events", body: ["events": [good, noUser, naive, arrayProperties, 5]])
        #expect(partial.status == 200)
        #expect(partial.json["status"] as? String == "partial")
        #expect(partial.json["events_received"] as? Int == 5)
        #expect(partial.json["events_accepted"] as? Int == 1)
        #expect(partial.json["events_rejected"] as? Int == 4)
        #expect(partial.json["message"] as? String == "1 events queued for processing, 4 rejected")
        let rejected = partial.json["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.map { $0["index"] as? Int } == [1, 2, 3, 4])
        #expect(rejected.map { $0["field"] as? String } == ["user_id", "timestamp", "properties", nil])
        #expect(rejected.count == 4 && rejected[3]["field"] is NSNull, "a rejection not tied to a field has field null")
        let reasons = rejected.map { $0["reason"] as? String ?? "" }
        #expect(reasons.count == 4)
        if reasons.count == 4 {
            #expect(reasons[0].contains("required"))
            #expect(reasons[1].contains("time zone"))
            #expect(reasons[2].contains("must be an object"))
            #expect(reasons[3].contains("must be a JSON object"))
        }

        let success = try await daemon.json(
            "POST", "/events", body: ["events": [Self.event("post-5", name: "surface.post", user: "poster", at: "2024-02-01T11:00:00Z")]])
        #expect(success.status == 200)
        #expect(success.json["status"] as? String == "success")
        #expect(success.json["events_received"] as? Int == 1 && success.json["events_accepted"] as? Int == 1)
        #expect(success.json["events_rejected"] as? Int == 0)
        #expect((success.json["rejected"] as? [Any])?.isEmpty == true)
        #expect(success.json["message"] as? String == "Events queued for processing")

        // Only what was taken is stored, with its properties.
        let stored = try await Self.waitForEvents(daemon, name: "surface.post", count: 2)
        #expect(stored.map { $0["event_id"] as? String } == ["post-5", "post-1"])
        #expect((stored.last?["properties"] as? [String: Any])?["plan"] as? String == "pro")
    }

    @Test func badRequestsAnswerWithTheirStatusCodeAndMessage() async throws {
        let daemon = try Self.daemon
        let malformed = try await daemon.request("POST", "/events", body: Data(#"{"events":[{"event_id": }"#.utf8))
        #expect(malformed.status == 400)
        #expect(malformed.json["code"] as? String == "malformed_json")
        #expect((malformed.json["message"] as? String)?.contains("line 1, column 25") == true)

        let huge = try await daemon.request("POST", "/events", body: Data(("{\"events\":[\"" + String(repeating: "x", count: 70000) + "\"]}").utf8))
        #expect(huge.status == 413)
        #expect(huge.json["code"] as? String == "body_too_large")

        let allBad = try await daemon.json("POST", "/events", body: ["events": [["event_id": "x"]]])
        #expect(allBad.status == 400)
        #expect(allBad.json["code"] as? String == "invalid_events")
        #expect((allBad.json["rejected"] as? [[String: Any]])?.count == 1)

        let tooMany = try await daemon.json(
            "POST", "/events", body: ["events": Array(repeating: Self.event("same", name: "surface.bad", user: "u", at: "2024-02-01T10:00:00Z"), count: 201)])
        #expect(tooMany.status == 413)
        #expect(tooMany.json["code"] as? String == "batch_too_large")

        let notObject = try await daemon.json("POST", "/events", body: ["evnts": []])
        #expect(notObject.status == 400 && (notObject.json["message"] as? String)?.contains("'events'") == true)
        #expect(notObject.json["code"] as? String == "invalid_body")

        let array = try await daemon.request("POST", "/events", body: Data("[]".utf8))
        #expect(array.status == 400 && array.json["code"] as? String == "invalid_body")

        let health = try await daemon.json("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        #expect((health.json["queue"] as? [String: Any])?["up"] as? Bool == true)
        #expect((health.json["store"] as? [String: Any])?["up"] as? Bool == true)
    }

    @Test func gzipAndDeflateBodiesAreTakenWithinTheLimitAfterDecompression() async throws {
        let daemon = try Self.daemon
        func body(_ id: String) throws -> Data {
            try JSONSerialization.data(withJSONObject: ["events": [Self.event(id, name: "surface.compressed", user: "zip", at: "2024-02-02T10:00:00Z")]])
        }
        for (encoding, format, id) in [("gzip", "gzip", "gz"), ("x-gzip", "gzip", "xgz"), ("deflate", "zlib", "zl"), ("identity", "none", "id")] {
            let compressed = try await Self.compress(try body(id), format)
            let answer = try await daemon.request("POST", "/events", body: compressed, headers: ["Content-Encoding": encoding])
            #expect(answer.status == 200, "\(encoding): \(answer.text)")
            #expect(answer.json["events_accepted"] as? Int == 1, "\(encoding)")
        }
        let stored = try await Self.waitForEvents(daemon, name: "surface.compressed", count: 4)
        #expect(Set(stored.compactMap { $0["event_id"] as? String }) == ["gz", "xgz", "zl", "id"])

        // A small body that inflates past server.max_body_bytes (65536): 413, not a 64 KB parse.
        let bomb = Data(("{\"events\":[" + String(repeating: " ", count: 200_000) + "]}").utf8)
        for (encoding, format) in [("gzip", "gzip"), ("deflate", "zlib")] {
            let compressed = try await Self.compress(bomb, format)
            #expect(compressed.count < 65536)
            let answer = try await daemon.request("POST", "/events", body: compressed, headers: ["Content-Encoding": encoding])
            #expect(answer.status == 413, "\(encoding): \(answer.text)")
            #expect(answer.json["code"] as? String == "body_too_large")
            #expect((answer.json["message"] as? String)?.contains("decompressed") == true)
        }
        let notGzip = try await daemon.request("POST", "/events", body: try body("bad"), headers: ["Content-Encoding": "gzip"])
        #expect(notGzip.status == 400 && notGzip.json["code"] as? String == "malformed_body", "\(notGzip.text)")
        let brotli = try await daemon.request("POST", "/events", body: try body("br"), headers: ["Content-Encoding": "br"])
        #expect(brotli.status == 415)
        #expect(brotli.json["code"] as? String == "unsupported_encoding")
        #expect((brotli.json["message"] as? String)?.contains("gzip, deflate") == true)
    }

    // MARK: GET /analytics/trends

    @Test func trendsListEveryBucketWithZerosBetween() async throws {
        let daemon = try Self.daemon
        let days = try await daemon.json("GET", "/analytics/trends?event=surface.trend&interval=day&from=2024-03-01T12:00:00Z&to=2024-03-05T00:00:00Z")
        #expect(days.status == 200)
        #expect(days.json["event"] as? String == "surface.trend")
        #expect(days.json["interval"] as? String == "day")
        // `from` is rounded down to its bucket: the events of 2024-03-01 before noon count.
        #expect(days.json["from"] as? String == "2024-03-01T00:00:00Z")
        #expect(days.json["to"] as? String == "2024-03-05T00:00:00Z")
        let points = days.json["points"] as? [[String: Any]] ?? []
        #expect(points.map { $0["bucket"] as? String } == ["2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z", "2024-03-03T00:00:00Z", "2024-03-04T00:00:00Z"])
        #expect(points.map { $0["events"] as? Int } == [3, 0, 1, 0])
        #expect(points.map { $0["unique_users"] as? Int } == [2, 0, 1, 0])

        let hours = try await daemon.json("GET", "/analytics/trends?event=surface.trend&interval=hour&from=2024-03-01T04:00:00Z&to=2024-03-01T07:00:00Z")
        #expect(hours.status == 200)
        let hourPoints = hours.json["points"] as? [[String: Any]] ?? []
        #expect(hourPoints.map { $0["bucket"] as? String } == ["2024-03-01T04:00:00Z", "2024-03-01T05:00:00Z", "2024-03-01T06:00:00Z"])
        #expect(hourPoints.map { $0["events"] as? Int } == [0, 2, 1])
        #expect(hourPoints.map { $0["unique_users"] as? Int } == [0, 2, 1])

        // Without `event`: every event name together (the seeded ones are the only ones that day).
        let all = try await daemon.json("GET", "/analytics/trends?interval=day&from=2024-03-03T00:00:00Z&to=2024-03-04T00:00:00Z")
        #expect(all.json["event"] is NSNull)
        #expect((all.json["points"] as? [[String: Any]])?.map { $0["events"] as? Int } == [1])
    }

    @Test func trendsRefuseABadIntervalARangeBackwardsAndTooManyBuckets() async throws {
        let daemon = try Self.daemon
        func refused(_ query: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let answer = try await daemon.json("GET", "/analytics/trends?" + query)
            #expect(answer.status == 400, "\(query)", sourceLocation: sourceLocation)
            #expect(answer.json["code"] as? String == "invalid_parameter", sourceLocation: sourceLocation)
            let message = answer.json["message"] as? String ?? ""
            #expect(message.contains(fragment), "\(query): \(message)", sourceLocation: sourceLocation)
        }
        try await refused("interval=week&from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z", "expected day or hour")
        try await refused("interval=day&from=2024-03-05T00:00:00Z&to=2024-03-01T00:00:00Z", "must be before")
        try await refused("interval=day&from=2024-03-01T00:00:00Z&to=2024-03-01T00:00:00Z", "must be before")
        try await refused("interval=day&from=2024-03-01T00:00:00&to=2024-03-02T00:00:00Z", "time zone")
        try await refused("interval=day&from=2024-03-01T00:00:00Z&to=tomorrow", "to 'tomorrow'")
        // 10,000 buckets is the cap: 10,001 hours are refused, 10,000 answered in full.
        try await refused("interval=hour&from=2024-01-01T00:00:00Z&to=2025-02-20T17:00:00Z", "at most 10000")
        let cap = try await daemon.json("GET", "/analytics/trends?interval=hour&from=2024-01-01T00:00:00Z&to=2025-02-20T16:00:00Z")
        #expect(cap.status == 200)
        #expect((cap.json["points"] as? [Any])?.count == 10_000)
    }

    @Test func trendsDefaultToTheLast30DaysByDay() async throws {
        let daemon = try Self.daemon
        let before = Date()
        let answer = try await daemon.json("GET", "/analytics/trends")
        let after = Date()
        #expect(answer.status == 200)
        #expect(answer.json["interval"] as? String == "day")
        let from = try #require((answer.json["from"] as? String).flatMap(Self.date))
        let to = try #require((answer.json["to"] as? String).flatMap(Self.date))
        #expect(to >= before.addingTimeInterval(-1) && to <= after.addingTimeInterval(1), "to \(to) is not now")
        // from: the start of the day 30 days before `to`.
        let start = Self.date("\(Self.day(to.addingTimeInterval(-30 * 86_400)))T00:00:00Z")
        #expect(from == start)
        let points = answer.json["points"] as? [[String: Any]] ?? []
        #expect(points.count == Int((to.timeIntervalSince(from) / 86_400).rounded(.up)))
        #expect(points.first?["bucket"] as? String == answer.json["from"] as? String)

        let hourly = try await daemon.json("GET", "/analytics/trends?interval=hour")
        let hourlyPoints = hourly.json["points"] as? [Any] ?? []
        #expect(hourly.status == 200 && (30...31).contains(hourlyPoints.count), "\(hourlyPoints.count) hourly points")
    }

    // MARK: GET /analytics/events

    @Test func eventPagesFilterAndWalkWithCursorsToALastPageWithoutOne() async throws {
        let daemon = try Self.daemon
        // Seeded: surface.page-0 … -6, one a minute (0 oldest), users pager-a (even) and pager-b.
        let newestFirst = (0..<7).reversed().map { "surface.page-\($0)" }
        for limit in [1, 3, 7, 100] {
            var ids: [String] = []
            var pages: [[String: Any]] = []
            var cursor: String?
            repeat {
                let query = "/analytics/events?event_name=surface.page&limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await daemon.json("GET", query)
                #expect(page.status == 200)
                pages.append(page.json)
                ids += (page.json["events"] as? [[String: Any]] ?? []).compactMap { $0["event_id"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && pages.count < 20
            #expect(ids == newestFirst, "limit \(limit)")
            #expect(pages.dropLast().allSatisfy { ($0["events"] as? [Any])?.count == limit }, "limit \(limit)")
            #expect(pages.last?["next_cursor"] is NSNull, "the last page has next_cursor null (limit \(limit))")
        }
        let user = try await daemon.json("GET", "/analytics/events?user_id=pager-b&limit=100")
        #expect((user.json["events"] as? [[String: Any]])?.compactMap { $0["event_id"] as? String } == ["surface.page-5", "surface.page-3", "surface.page-1"])
        let both = try await daemon.json("GET", "/analytics/events?user_id=pager-a&event_name=surface.page&limit=100")
        #expect(
            (both.json["events"] as? [[String: Any]])?.compactMap { $0["event_id"] as? String } == [
                "surface.page-6", "surface.page-4", "surface.page-2", "surface.page-0",
            ])
        let early = try await daemon.json("GET", "/analytics/events?event_name=surface.page&before=2024-04-01T10:03:00Z")
        #expect((early.json["events"] as? [[String: Any]])?.compactMap { $0["event_id"] as? String } == ["surface.page-2", "surface.page-1", "surface.page-0"])
        let none = try await daemon.json("GET", "/analytics/events?event_name=surface.nothing")
        #expect(none.status == 200 && (none.json["events"] as? [Any])?.isEmpty == true && none.json["next_cursor"] is NSNull)

        // Every field of a stored event.
        let one = try #require((try await daemon.json("GET", "/analytics/events?event_name=surface.page&limit=1")).json["events"] as? [[String: Any]])
        let fields = Set(one.first?.keys.map { $0 } ?? [])
        #expect(fields == ["event_id", "event_name", "user_id", "properties", "timestamp", "session_id", "received_at"])
        #expect(one.first?["timestamp"] as? String == "2024-04-01T10:06:00Z")
        #expect(one.first?["session_id"] as? String == "s-surface.page-6")
        #expect((one.first?["properties"] as? [String: Any])?["n"] as? Int == 6)
    }

    @Test func eventPagesRefuseABadCursorLimitOrDate() async throws {
        let daemon = try Self.daemon
        for (query, fragment) in [
            ("cursor=not-a-cursor", "is not a cursor"), ("limit=0", "limit"), ("limit=1001", "from 1 to 1000"), ("limit=ten", "limit"),
            ("before=yesterday", "before 'yesterday'"),
        ] {
            let answer = try await daemon.json("GET", "/analytics/events?" + query)
            #expect(answer.status == 400, "\(query)")
            #expect(answer.json["code"] as? String == "invalid_parameter", "\(query)")
            #expect((answer.json["message"] as? String)?.contains(fragment) == true, "\(query): \(answer.json)")
        }
    }

    // MARK: /metrics, /, /analytics/stats

    @Test func metricsExposeIngestWorkerAndHTTPCounters() async throws {
        let daemon = try Self.daemon
        let answer = try await daemon.request("GET", "/metrics")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type")?.hasPrefix("text/plain") == true)
        let samples = Self.samples(answer.text)
        // The seed alone accepted and stored its events (other tests only add to them).
        #expect((samples[#"smolhog_ingest_events_total{outcome="accepted"}"#] ?? 0) >= Double(Self.seedCount))
        #expect((samples["smolhog_worker_stored_events_total"] ?? 0) >= Double(Self.seedCount))
        #expect((samples["smolhog_worker_store_writes_total"] ?? 0) >= 1)
        #expect(samples.keys.contains { $0.hasPrefix("http_server_") }, "no http.server.* metric in:\n\(answer.text.prefix(2000))")
        #expect(answer.text.contains("# TYPE smolhog_ingest_events_total counter"))
    }

    @Test func statsCountTheSeededEventsByName() async throws {
        let daemon = try Self.daemon
        let stats = try await daemon.json("GET", "/analytics/stats")
        #expect(stats.status == 200)
        #expect(Set(stats.json.keys) == ["total_events", "unique_users", "top_events"])
        #expect((stats.json["total_events"] as? Int ?? 0) >= Self.seedCount)
        let top = stats.json["top_events"] as? [[String: Any]] ?? []
        #expect(top.allSatisfy { Set($0.keys) == ["event", "count"] })
        // surface.page (7) is the busiest name any test sends.
        #expect(top.first?["event"] as? String == "surface.page" && top.first?["count"] as? Int == 7, "\(top)")
    }

    /// The dashboard's script reads fields of /analytics/*: each must be in the answers.
    @Test func theDashboardReadsOnlyFieldsTheAPIAnswers() async throws {
        let daemon = try Self.daemon
        let page = try await daemon.request("GET", "/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        let script = page.text
        // `const NAME = await (await fetch(URL...)).json();` → the answer each name holds.
        let fetches = script.matches(of: /const (\w+) = await \(await fetch\("([^"]+)"( \+ \w+)?\)\)\.json\(\)/)
        #expect(Set(fetches.map { String($0.1) }) == ["stats", "trend", "page"], "the dashboard's fetches changed; update this test")
        let from = Self.day(Date().addingTimeInterval(-13 * 86_400)) + "T00:00:00Z"
        var answers: [String: [String: Any]] = [:]
        for fetch in fetches {
            let path = String(fetch.2) + (fetch.3 == nil ? "" : from)
            let answer = try await daemon.json("GET", path)
            #expect(answer.status == 200, "\(path)")
            answers[String(fetch.1)] = answer.json
        }
        var checked = 0
        // `NAME.FIELD` read from an answer.
        for read in script.matches(of: /\b(stats|trend|page)\.(\w+)/) {
            let fields = answers[String(read.1)]?.keys.map { $0 } ?? []
            #expect(fields.contains(String(read.2)), "the dashboard reads \(read.1).\(read.2); the answer has \(fields.sorted())")
            checked += 1
        }
        // `NAME.ARRAY.map(X => …X.FIELD…)`: fields of the array's items.
        for map in script.matches(of: /\b(stats|trend|page)\.(\w+)\.map\((\w) => (.*?)\)\.join/.dotMatchesNewlines()) {
            let items = answers[String(map.1)]?[String(map.2)] as? [[String: Any]] ?? []
            try #require(!items.isEmpty, "\(map.1).\(map.2) is empty: nothing to check its items against")
            for read in map.4.matches(of: /\b(\w)\.(\w+)/) where read.1 == map.3 {
                #expect(items[0][String(read.2)] != nil, "the dashboard reads \(map.1).\(map.2)[].\(read.2); items have \(items[0].keys.sorted())")
                checked += 1
            }
        }
        #expect(checked >= 15, "only \(checked) field reads found: the pattern no longer matches the page")
    }

    // MARK: Helpers

    static let seedCount = 11

    /// One event object as a client sends it.
    static func event(_ id: String, name: String, user: String, at timestamp: String) -> [String: Any] {
        ["event_id": id, "event_name": name, "user_id": user, "timestamp": timestamp, "session_id": "s-\(id)", "properties": ["n": 1]]
    }

    /// What every test reads: trends of surface.trend and pages of surface.page.
    static func seed(_ daemon: DaemonProcess) async throws {
        let trend = [
            event("trend-1", name: "surface.trend", user: "tu1", at: "2024-03-01T05:10:00Z"),
            event("trend-2", name: "surface.trend", user: "tu2", at: "2024-03-01T05:20:00Z"),
            event("trend-3", name: "surface.trend", user: "tu1", at: "2024-03-01T06:00:00Z"),
            event("trend-4", name: "surface.trend", user: "tu1", at: "2024-03-03T10:00:00Z"),
        ]
        let pages = (0..<7).map { n in
            var object = event("surface.page-\(n)", name: "surface.page", user: n % 2 == 0 ? "pager-a" : "pager-b", at: "2024-04-01T10:0\(n):00Z")
            object["properties"] = ["n": n]
            return object
        }
        let answer = try await daemon.json("POST", "/events", body: ["events": trend + pages])
        guard answer.status == 200, answer.json["events_accepted"] as? Int == seedCount else { throw TestFailure("seeding failed: \(answer)") }
        _ = try await waitForEvents(daemon, name: "surface.page", count: 7)
        _ = try await waitForEvents(daemon, name: "surface.trend", count: 4)
    }

    /// Waits until the store lists `count` events named `name`; returns them, newest first.
    @discardableResult
    static func waitForEvents(_ daemon: DaemonProcess, name: String, count: Int) async throws -> [[String: Any]] {
        var events: [[String: Any]] = []
        let stored = try await waitFor(timeout: .seconds(30)) {
            events = try await daemon.json("GET", "/analytics/events?limit=1000&event_name=\(name)").json["events"] as? [[String: Any]] ?? []
            return events.count >= count
        }
        guard stored else { throw TestFailure("\(events.count) of \(count) '\(name)' events stored; log:\n\(daemon.log.suffix(3000))") }
        return events
    }

    /// `data` compressed by Python's gzip or zlib module ("none": unchanged).
    static func compress(_ data: Data, _ format: String) async throws -> Data {
        guard format != "none" else { return data }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("smolhog-\(UUID().uuidString).in").path
        let output = input + ".out"
        defer {
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
        }
        try data.write(to: URL(fileURLWithPath: input))
        let script =
            "import sys, gzip, zlib; d = open(sys.argv[2], 'rb').read(); "
            + "open(sys.argv[3], 'wb').write(gzip.compress(d) if sys.argv[1] == 'gzip' else zlib.compress(d))"
        let result = try await ChildProcess.run("/usr/bin/python3", ["-c", script, format, input, output], timeout: .seconds(30))
        guard result.status == 0 else { throw TestFailure("python3 could not compress: \(result.output)") }
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    /// The Prometheus exposition's samples: `name{labels}` → value.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func date(_ iso: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: iso) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: iso)
    }

    /// `date`'s UTC day as YYYY-MM-DD.
    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}

/// Starts one embedded `smolhogd serve` for a whole suite, seeds it, hands it to the suite's
/// tests through `current`, and stops it afterwards with SIGTERM, which must exit 0.
struct SharedDaemon: SuiteTrait, TestScoping {
    @TaskLocal static var current: DaemonProcess?

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let daemon = DaemonProcess(arguments: ["serve", "--config", try EmbeddedEndToEndTests.writeConfig(in: dir)])
        try await daemon.start()
        var failure: (any Error)?
        do {
            try await HTTPSurfaceTests.seed(daemon)
            try await Self.$current.withValue(daemon) { try await function() }
        } catch {
            failure = error
        }
        let status = await daemon.stop(SIGTERM)
        #expect(status == 0, "serve exited with \(status) on SIGTERM; log:\n\(daemon.log.suffix(3000))")
        if let failure { throw failure }
    }
}
