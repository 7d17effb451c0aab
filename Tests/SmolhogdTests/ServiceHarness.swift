import Foundation
import Testing

/// The PostgreSQL and RabbitMQ that scripts/test.sh started for this run (once per run), and
/// what the split-deployment tests do with them: fresh databases, queue inspection, restarts.
enum ServiceHarness {
    static let environment = ProcessInfo.processInfo.environment
    static var postgresURL: String? { environment["SMOLHOG_TEST_POSTGRES_URL"] }
    static var rabbitMQURL: String? { environment["SMOLHOG_TEST_RABBITMQ_URL"] }
    static var available: Bool { postgresURL != nil && rabbitMQURL != nil }
    static let skipReason: Comment = "needs SMOLHOG_TEST_POSTGRES_URL and SMOLHOG_TEST_RABBITMQ_URL (scripts/test.sh starts both)"

    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// Runs a command to its end (at most `timeout`), returning its status and output;
    /// see `ChildProcess.run`.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
        let result = try await ChildProcess.run(executable, arguments, timeout: timeout)
        if result.timedOut { throw TestFailure("\(executable) \(arguments) did not finish within \(timeout); output:\n\(result.output)") }
        return (result.status, result.output)
    }

    /// A new empty database on the test server; returns its URL.
    static func freshDatabase() async throws -> String {
        guard let url = postgresURL, let slash = url.lastIndex(of: "/") else { throw TestFailure("no PostgreSQL") }
        let name = "e2e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let result = try await run("/usr/bin/psql", [url, "-q", "-c", "CREATE DATABASE \(name)"])
        guard result.status == 0 else { throw TestFailure("CREATE DATABASE failed: \(result.output)") }
        return String(url[..<slash]) + "/" + name
    }

    /// Messages waiting in a RabbitMQ queue, read with rabbitmqctl on the test node.
    static func queueDepth(_ queue: String) async throws -> Int? {
        guard let dir = environment["SMOLHOG_TEST_RABBITMQ_DIR"] else { return nil }
        let script = "source '\(dir)/node.env' && /usr/lib/rabbitmq/bin/rabbitmqctl -q -n \"$RABBITMQ_NODENAME\" list_queues name messages"
        let output = try await run("/bin/bash", ["-c", script]).output
        for line in output.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            if parts.count == 2, parts[0] == queue { return Int(parts[1]) }
        }
        return nil
    }

    static func service(_ name: String, _ action: String) async throws {
        let key = name == "rabbitmq" ? "SMOLHOG_TEST_RABBITMQ_DIR" : "SMOLHOG_TEST_POSTGRES_DIR"
        guard let dir = environment[key] else { throw TestFailure("\(key) is unset; run the suite through scripts/test.sh") }
        let result = try await run("/bin/bash", [root.appendingPathComponent("scripts/services/\(name).sh").path, action, dir])
        guard result.status == 0 else { throw TestFailure("\(name) \(action) failed: \(result.output)") }
    }

    /// A split deployment's config: RabbitMQ queue `queue`, PostgreSQL database `database`.
    static func writeSplitConfig(
        in dir: String, queue: String, database: String, maxEventNameLength: Int = 200, prefetch: Int = 50, maxAttempts: Int = 3
    ) async throws -> String {
        let config = """
            server: {listen: "127.0.0.1:0"}
            worker: {prefetch: \(prefetch), max_attempts: \(maxAttempts), backoff_ms: 50, max_backoff_ms: 1000}
            stages:
              - validate: {max_batch: 500, max_event_name_length: \(maxEventNameLength)}
              - queue: {rabbitmq: {url: "${SMOLHOG_TEST_RABBITMQ_URL}", queue: "\(queue)", confirm_timeout_ms: 3000, connect_timeout_ms: 1000}}
              - persist: {postgres: {url: "\(database)", pool: 4}}
              - aggregate
            """
        let path = dir + "/pipeline.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let migrated = try await DaemonProcess.runToExit(["migrate", "--config", path])
        guard migrated.status == 0 else { throw TestFailure("migrate failed: \(migrated.output)") }
        return path
    }
}

/// Sends numbered events and keeps what the server accepted (2xx) apart from what it refused
/// as documented (503 with Retry-After) and from anything else (another status, no answer).
actor LoadRecorder {
    private(set) var accepted = Set<String>()
    private(set) var users = Set<String>()
    private(set) var refused = 0
    private(set) var slowestRefusal: Duration = .zero
    /// Answers that are neither 200 nor a 503 with Retry-After, and requests that got no answer.
    private(set) var unexpected: [String] = []

    func record(ids: [String], users: [String], outcome: Result<DaemonProcess.HTTPAnswer, any Error>, elapsed: Duration) {
        switch outcome {
        case .success(let answer) where answer.status == 200:
            accepted.formUnion(ids)
            self.users.formUnion(users)
        case .success(let answer) where answer.status == 503 && answer.header("Retry-After") != nil:
            refused += 1
            slowestRefusal = max(slowestRefusal, elapsed)
        case .success(let answer):
            unexpected.append("HTTP \(answer.status) (Retry-After: \(answer.header("Retry-After") ?? "none")): \(answer.text.prefix(200))")
        case .failure(let error):
            unexpected.append("no answer: \(error)")
        }
    }
}

extension DaemonProcess {
    /// Posts `count` events numbered from `start` (user = number % 53); records the outcome.
    func post(range: Range<Int>, prefix: String, into recorder: LoadRecorder) async {
        let ids = range.map { "\(prefix)-\($0)" }
        let users = range.map { "user-\($0 % 53)" }
        let events: [[String: Any]] = zip(ids, users).map { id, user in
            ["event_id": id, "event_name": "load", "user_id": user, "timestamp": "2024-05-06T07:08:09Z", "properties": ["n": 1]]
        }
        let clock = ContinuousClock()
        let start = clock.now
        let outcome: Result<HTTPAnswer, any Error>
        do {
            let body = try JSONSerialization.data(withJSONObject: ["events": events])
            outcome = .success(try await request("POST", "/events", body: body))
        } catch {
            outcome = .failure(error)
        }
        await recorder.record(ids: ids, users: users, outcome: outcome, elapsed: clock.now - start)
    }

    func stats() async throws -> [String: Any] { try await json("GET", "/analytics/stats").json }

    /// Every event_id the store holds, walking the keyset pages.
    func storedIDs() async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        repeat {
            let page = try await json("GET", "/analytics/events?limit=1000" + (cursor.map { "&cursor=\($0)" } ?? "")).json
            ids += (page["events"] as? [[String: Any]] ?? []).compactMap { $0["event_id"] as? String }
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        return ids
    }
}
