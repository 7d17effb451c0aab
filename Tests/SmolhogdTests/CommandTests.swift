import Foundation
import Testing

/// The command line as the README documents it: where the config comes from, `--listen`,
/// `migrate`, exit statuses, and what the worker does with a message it cannot read.
@Suite struct CommandTests {
    /// An embedded pipeline (relative paths: they are relative to the config file).
    static func embeddedConfig(listen: String = "127.0.0.1:0") -> String {
        """
        server: {listen: "\(listen)"}
        stages:
          - validate
          - queue: {embedded: {path: data/queue.sqlite}}
          - persist: {sqlite: {path: data/smolhog.sqlite}}
          - aggregate
        """
    }

    static func write(_ text: String, to path: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func listenOverridesTheConfigsAddressAndSIGTERMExitsZero() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // An address this host does not have (TEST-NET-3): serving there fails.
        let config = try Self.write(Self.embeddedConfig(listen: "203.0.113.1:8000"), to: dir + "/pipeline.yaml")
        let unbound = try await DaemonProcess.runToExit(["serve", "--config", config], timeout: .seconds(60))
        #expect(unbound.status != 0, "serve bound 203.0.113.1:8000?\n\(unbound.output)")

        let daemon = DaemonProcess(arguments: ["serve", "--config", config, "--listen", "127.0.0.1:0"])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        #expect(try await daemon.json("GET", "/healthz").status == 200)
        #expect(await daemon.stop(SIGTERM) == 0, "log:\n\(daemon.log.suffix(2000))")

        let bad = try await DaemonProcess.runToExit(["serve", "--config", config, "--listen", "localhost"], timeout: .seconds(60))
        #expect(bad.status == 1)
        #expect(bad.output.contains("listen address 'localhost' is not HOST:PORT"), "\(bad.output)")
    }

    @Test func theConfigIsTheFlagElseSMOLHOG_CONFIGElseThePipelineYAMLOfTheWorkingDirectory() async throws {
        try #require(ProcessInfo.processInfo.environment["SMOLHOG_CONFIG"] == nil, "the test runner's own SMOLHOG_CONFIG would decide")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let here = dir + "/here"
        let empty = dir + "/empty"
        for folder in [here, empty] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let config = try Self.write(Self.embeddedConfig(), to: here + "/pipeline.yaml")

        let local = try await DaemonProcess.runToExit(["check-config"], directory: here)
        #expect(local.status == 0 && local.output.contains("ingest path"), "\(local.output)")
        let missing = try await DaemonProcess.runToExit(["check-config"], directory: empty)
        #expect(missing.status == 1 && missing.output.contains("pipeline.yaml: config file does not exist"), "\(missing.output)")
        let fromEnvironment = try await DaemonProcess.runToExit(["check-config"], environment: ["SMOLHOG_CONFIG": config], directory: empty)
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.output)")

        // The flag wins over the environment.
        let nowhere = dir + "/nowhere.yaml"
        let flag = try await DaemonProcess.runToExit(["migrate", "--config", config], environment: ["SMOLHOG_CONFIG": nowhere])
        #expect(flag.status == 0 && flag.output.contains("is migrated"), "\(flag.output)")
        let environmentOnly = try await DaemonProcess.runToExit(["migrate"], environment: ["SMOLHOG_CONFIG": nowhere], directory: here)
        #expect(environmentOnly.status == 1 && environmentOnly.output.contains("nowhere.yaml: config file does not exist"), "\(environmentOnly.output)")

        // serve from $SMOLHOG_CONFIG in another folder: the data lands next to the config.
        let daemon = DaemonProcess(arguments: ["serve"], environment: ["SMOLHOG_CONFIG": config], directory: empty)
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        #expect(FileManager.default.fileExists(atPath: here + "/data/queue.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: empty + "/data"))
        #expect(await daemon.stop(SIGTERM) == 0)
    }

    @Test(.enabled(if: ServiceHarness.postgresURL != nil, "needs SMOLHOG_TEST_POSTGRES_URL (scripts/test.sh starts PostgreSQL)"))
    func serveAndWorkerRefuseAnUnmigratedPostgresUntilMigrateRuns() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let database = try await ServiceHarness.freshDatabase()
        let config = try Self.write(
            """
            server: {listen: "127.0.0.1:0"}
            stages:
              - validate
              - queue: {embedded: {path: data/queue.sqlite}}
              - persist: {postgres: {url: "\(database)"}}
              - aggregate
            """, to: dir + "/pipeline.yaml")
        for command in ["serve", "worker"] {
            let refused = try await DaemonProcess.runToExit([command, "--config", config], timeout: .seconds(60))
            #expect(refused.status == 1, "\(command) started on an unmigrated database:\n\(refused.output)")
            #expect(refused.output.contains("run `smolhogd migrate --config FILE`"), "\(command): \(refused.output)")
        }
        let migrated = try await DaemonProcess.runToExit(["migrate", "--config", config])
        #expect(migrated.status == 0 && migrated.output.contains("from schema version 0"), "\(migrated.output)")
        let again = try await DaemonProcess.runToExit(["migrate", "--config", config])
        #expect(again.status == 0, "\(again.output)")
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        #expect(try await daemon.json("GET", "/healthz").status == 200)
        #expect(await daemon.stop(SIGTERM) == 0)
    }

    @Test func anUndecodableMessageIsDeadLetteredAndTheNextOnesStored() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.write(Self.embeddedConfig(), to: dir + "/pipeline.yaml")
        let daemon = DaemonProcess(arguments: ["serve", "--config", config])
        try await daemon.start()
        defer { daemon.kill(SIGTERM) }
        let queueFile = dir + "/data/queue.sqlite"
        // A message no codec version reads, written into the queue as another writer would.
        let inserted = try await Self.sqlite(queueFile, "INSERT INTO messages (body, events, enqueued_at) VALUES (x'ff00ff', 1, 0)")
        #expect(inserted.status == 0, "\(inserted.output)")
        let events = (0..<20).map { EmbeddedEndToEndTests.event("after-poison-\($0)", user: "u\($0)", name: "after") }
        #expect(try await daemon.json("POST", "/events", body: ["events": events]).status == 200)
        let stored = try await waitFor(timeout: .seconds(30)) { (try await daemon.stats()["total_events"] as? Int) == 20 }
        #expect(stored, "log:\n\(daemon.log.suffix(3000))")
        var deadLetters = ""
        let deadLettered = try await waitFor(timeout: .seconds(30)) {
            deadLetters = try await Self.sqlite(queueFile, "SELECT COUNT(*), MIN(reason) FROM dead_letters").output
            return deadLetters.hasPrefix("1|undecodable message")
        }
        #expect(deadLettered, "dead_letters: \(deadLetters)")
        #expect(daemon.log.contains("Message cannot be decoded; dead-lettering it."))
        let left = try await Self.sqlite(queueFile, "SELECT COUNT(*) FROM messages").output
        #expect(left == "0\n", "messages left in the queue: \(left)")
        #expect(await daemon.stop(SIGTERM) == 0)
    }

    /// Runs `sql` on a SQLite file with Python's sqlite3 module; rows as `a|b` lines.
    static func sqlite(_ path: String, _ sql: String) async throws -> ChildProcess.Result {
        let script = """
            import sqlite3, sys
            connection = sqlite3.connect(sys.argv[1], timeout=30)
            for row in connection.execute(sys.argv[2]):
                print("|".join("" if value is None else str(value) for value in row))
            connection.commit()
            """
        return try await ChildProcess.run("/usr/bin/python3", ["-c", script, path, sql], timeout: .seconds(60))
    }
}

/// How the tests find a daemon's port: smolhogd's own `Listening.` line, whatever the order of
/// its fields, and no other line.
@Suite struct ListeningLineTests {
    @Test func thePortComesFromSmolhogdsListeningLineOnly() {
        let ours = "2026-12-03T08:53:05+0000 info smolhogd: address=127.0.0.1:40123 port=40123 [smolhogd] Listening."
        #expect(DaemonProcess.listeningPort(ours[...]) == 40123)
        let reordered = "smolhogd info Listening. port=40124 address=127.0.0.1:40124"
        #expect(DaemonProcess.listeningPort(reordered[...]) == 40124)
        for other in [
            "2026-12-03T08:53:05+0000 info smolhogd: hb.port=40125 component=http [Hummingbird] Server started and listening",
            "2026-12-03T08:53:05+0000 info smolhogd: report=40126 [smolhogd] Listening.",
            "2026-12-03T08:53:05+0000 info smolhogd: port=40127 [smolhogd] Worker consuming.",
        ] {
            #expect(DaemonProcess.listeningPort(other[...]) == nil, "\(other)")
        }
    }
}

/// Ingest nodes whose broker is away or does not confirm: 503 with Retry-After, in time.
@Suite(.enabled(if: ServiceHarness.rabbitMQURL != nil, "needs SMOLHOG_TEST_RABBITMQ_URL (scripts/test.sh starts RabbitMQ)"))
struct BrokerRefusalTests {
    static func ingestConfig(in dir: String, url: String, queue: String, connectTimeoutMilliseconds: Int = 1000) throws -> String {
        try CommandTests.write(
            """
            server: {listen: "127.0.0.1:0"}
            stages:
              - validate
              - queue: {rabbitmq: {url: "\(url)", queue: "\(queue)", confirm_timeout_ms: 1500, connect_timeout_ms: \(connectTimeoutMilliseconds)}}
              - persist: {sqlite: {path: data/smolhog.sqlite}}
              - aggregate
            """, to: dir + "/pipeline.yaml")
    }

    static func batch(_ prefix: String, count: Int) -> [String: Any] {
        ["events": (0..<count).map { EmbeddedEndToEndTests.event("\(prefix)-\($0)", user: "u\($0)", name: "refused") }]
    }

    @Test func anUnreachableBrokerAnswers503WithRetryAfterAtOnce() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Port 1 on loopback: nothing listens, connections are refused at once. The connect
        // timeout is far above the bound below: an answer that waited for it fails the test.
        let config = try Self.ingestConfig(in: dir, url: "amqp://guest:guest@127.0.0.1:1/", queue: "unreachable", connectTimeoutMilliseconds: 30_000)
        let ingest = DaemonProcess(arguments: ["serve", "--role", "ingest", "--config", config])
        try await ingest.start()
        defer { ingest.kill(SIGTERM) }
        let clock = ContinuousClock()
        let start = clock.now
        let answer = try await ingest.request("POST", "/events", body: try JSONSerialization.data(withJSONObject: Self.batch("away", count: 3)))
        #expect(clock.now - start < .seconds(10))
        #expect(answer.status == 503)
        #expect(answer.header("Retry-After") == "1")
        #expect(answer.json["code"] as? String == "queue_unavailable")
        let health = try await ingest.json("GET", "/healthz")
        #expect(health.status == 503 && (health.json["queue"] as? [String: Any])?["up"] as? Bool == false)
        #expect(await ingest.stop(SIGTERM) == 0)
    }

    @Test func aPublishTheBrokerDoesNotConfirmWithinConfirmTimeoutAnswers503() async throws {
        let url = try #require(ServiceHarness.rabbitMQURL)
        let port = try #require(URLComponents(string: url)?.port.flatMap { UInt16(exactly: $0) })
        // The handshake passes; the first large publish stops reaching the broker, so no
        // confirm comes back.
        let proxy = try StallingProxy(to: port, stallAfter: 8_000)
        defer { proxy.close() }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queue = "e2e-unconfirmed-" + UUID().uuidString.prefix(8)
        let config = try Self.ingestConfig(in: dir, url: "amqp://guest:guest@127.0.0.1:\(proxy.port)/", queue: queue)
        let ingest = DaemonProcess(arguments: ["serve", "--role", "ingest", "--config", config])
        try await ingest.start()
        defer { ingest.kill(SIGKILL) }
        let small = try await ingest.json("POST", "/events", body: Self.batch("small", count: 1))
        #expect(small.status == 200, "the proxy stalled the handshake or a small publish: \(small.json)")
        let clock = ContinuousClock()
        let start = clock.now
        let answer = try await ingest.request("POST", "/events", body: try JSONSerialization.data(withJSONObject: Self.batch("stalled", count: 200)))
        let elapsed = clock.now - start
        #expect(proxy.hasStalled)
        #expect(answer.status == 503, "\(answer.text)")
        #expect(answer.header("Retry-After") == "1")
        #expect(answer.json["code"] as? String == "queue_unavailable")
        #expect((answer.json["message"] as? String)?.contains("did not confirm within") == true, "\(answer.text)")
        // confirm_timeout_ms is 1500: not before it, and not much later.
        #expect(elapsed >= .milliseconds(1400) && elapsed < .seconds(10), "answered after \(elapsed)")
    }
}
