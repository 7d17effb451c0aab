import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL and RabbitMQ that scripts/test.sh started for this run (once per run), and
/// what the split-deployment tests do with them: fresh databases, queue inspection, restarts.
enum ServiceHarness {
    static let environment = ProcessInfo.processInfo.environment
    static var postgresURL: String? { environment["SMOLHOG_TEST_POSTGRES_URL"] }
    static var rabbitMQURL: String? { environment["SMOLHOG_TEST_RABBITMQ_URL"] }
    static var available: Bool { postgresURL != nil && rabbitMQURL != nil }
    static let skipReason: Comment = "needs SMOLHOG_TEST_POSTGRES_URL and SMOLHOG_TEST_RABBITMQ_URL (scripts/test.sh starts both)"

    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// Runs a command to its end, returning its status and output.
    ///
    /// Not Foundation's `Process`: after a script that leaves a server running in the
    /// background, its `waitUntilExit` was seen never to return (the script a zombie). This
    /// spawns and reaps the child itself, on a thread of its own (the cooperative pool has
    /// two), with output through a file (a background server would hold a pipe open).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("smolhog-run-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let thread = Thread { continuation.resume(returning: spawnAndWait([executable] + arguments, outputPath: outputPath)) }
            thread.start()
        }
        guard status >= 0 else { throw TestFailure("could not start \(executable)") }
        return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }

    private static func spawnAndWait(_ arguments: [String], outputPath: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
        in dir: String, queue: String, database: String, maxEventNameLength: Int = 200, prefetch: Int = 50
    ) throws -> String {
        let config = """
            server: {listen: "127.0.0.1:0"}
            worker: {prefetch: \(prefetch), max_attempts: 3, backoff_ms: 50, max_backoff_ms: 1000}
            stages:
              - validate: {max_batch: 500, max_event_name_length: \(maxEventNameLength)}
              - queue: {rabbitmq: {url: "${SMOLHOG_TEST_RABBITMQ_URL}", queue: "\(queue)", confirm_timeout_ms: 3000, connect_timeout_ms: 1000}}
              - persist: {postgres: {url: "\(database)", pool: 4}}
              - aggregate
            """
        let path = dir + "/pipeline.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let migrated = try DaemonProcess.runToExit(["migrate", "--config", path])
        guard migrated.status == 0 else { throw TestFailure("migrate failed: \(migrated.output)") }
        return path
    }
}

/// Sends numbered events and keeps what the server accepted (2xx) apart from what it refused.
actor LoadRecorder {
    private(set) var accepted = Set<String>()
    private(set) var users = Set<String>()
    private(set) var refused = 0
    private(set) var slowestRefusal: Duration = .zero

    func record(ids: [String], users: [String], status: Int, elapsed: Duration) {
        if status == 200 {
            accepted.formUnion(ids)
            self.users.formUnion(users)
        } else {
            refused += 1
            slowestRefusal = max(slowestRefusal, elapsed)
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
        let status = (try? await json("POST", "/events", body: ["events": events]).status) ?? 0
        await recorder.record(ids: ids, users: users, status: status, elapsed: clock.now - start)
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
