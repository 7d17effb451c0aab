import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `smolhogd` child process for end-to-end tests: started on a free port, its output
/// captured, stopped with the signal the test chooses. Nothing here blocks a thread of Swift's
/// cooperative pool: the exit is awaited through `terminationHandler`, and every wait has a
/// deadline after which the process is killed.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: `output`, `exit` and `exitWaiters` are guarded by `lock`; the rest is set
    // before the process starts.
    let process = Process()
    private let lock = NSLock()
    private var output = ""
    private var exit: Int32?
    private var exitWaiters: [UUID: CheckedContinuation<Int32?, Never>] = [:]
    private(set) var port = 0

    /// The smolhogd binary built next to the test bundle (or $SMOLHOGD_BIN).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SMOLHOGD_BIN"] { return path }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [runner, runner.deletingLastPathComponent(), runner.deletingLastPathComponent().deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("smolhogd").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/smolhogd").path
    }

    init(arguments: [String], environment: [String: String] = [:], directory: String? = nil) {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil  // end of output: stop watching
                return
            }
            guard let self else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
        process.terminationHandler = { [weak self] process in
            // A signal's number as a shell reports it (128 + n), an exit's status as it is.
            let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            guard let self else { return }
            let waiters = self.lock.withLock {
                self.exit = status
                defer { self.exitWaiters = [:] }
                return self.exitWaiters.values
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
    }

    var log: String { lock.withLock { output } }

    /// The log's complete lines (a line still being written is left out).
    var logLines: [Substring] {
        let text = log
        guard let end = text.lastIndex(of: "\n") else { return [] }
        return text[..<end].split(separator: "\n")
    }

    /// The exit status once the process has ended (128 + n after signal n).
    var exitStatus: Int32? { lock.withLock { exit } }

    /// Starts a process without HTTP (a worker) and waits until its log matches `pattern`.
    func start(waitingFor pattern: String, timeout: Duration = .seconds(60)) async throws {
        try process.run()
        let found = try await waitFor(timeout: timeout) {
            self.exitStatus != nil || self.logLines.contains { $0.range(of: pattern, options: .regularExpression) != nil }
        }
        guard found, exitStatus == nil else {
            await abandon()
            throw TestFailure("smolhogd did not log '\(pattern)' (exit status \(exitStatus.map(String.init) ?? "none")); log:\n\(log)")
        }
    }

    /// Starts the process and waits until it logs the port it listens on: smolhogd's own
    /// `Listening.` line, whose `port=` metadata is the bound port (whatever the order of the
    /// line's other fields).
    func start(timeout: Duration = .seconds(60)) async throws {
        try process.run()
        let found = try await waitFor(timeout: timeout) {
            if self.exitStatus != nil { return true }
            guard let port = self.logLines.lazy.compactMap(Self.listeningPort).first else { return false }
            self.port = port
            return true
        }
        guard found, port > 0, exitStatus == nil else {
            await abandon()
            throw TestFailure("smolhogd did not start listening (exit status \(exitStatus.map(String.init) ?? "none")); log:\n\(log)")
        }
    }

    /// The port of smolhogd's `Listening.` line (`logger.info("Listening.", metadata: ["port": ...])`
    /// in Daemon.swift), or nil for any other line.
    static func listeningPort(_ line: Substring) -> Int? {
        guard line.contains(" Listening."), line.contains("smolhogd"),
            let match = line.firstMatch(of: /(?:^|\s)port=(\d+)(?:\s|$)/)
        else { return nil }
        return Int(match.1)
    }

    /// Kills a process that did not start as expected, and reaps it.
    private func abandon() async {
        _ = await stop(SIGKILL, timeout: .seconds(10))
    }

    /// Sends `signal` without waiting (for `defer`); a process still running 30 s later is
    /// killed, so no test leaves a daemon behind.
    func kill(_ signal: Int32) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { [weak self] in
            if self?.exitStatus == nil { Foundation.kill(pid, SIGKILL) }
        }
    }

    /// Sends `signal` and returns (SIGSTOP and SIGCONT included).
    func signal(_ signal: Int32) {
        if exitStatus == nil && process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// Sends `signal` and waits for the exit; past `timeout` the process is killed (the
    /// answer is then 128 + SIGKILL). Returns the exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async -> Int32 {
        if exitStatus == nil && process.isRunning { Foundation.kill(process.processIdentifier, signal) }
        if let status = await waitForExit(timeout: timeout) { return status }
        Foundation.kill(process.processIdentifier, SIGKILL)
        return await waitForExit(timeout: .seconds(30)) ?? 128 + SIGKILL
    }

    /// Waits for the exit, at most `timeout`; nil if the process is still running.
    func waitForExit(timeout: Duration) async -> Int32? {
        let id = UUID()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
            let done = lock.withLock {
                if exit == nil { exitWaiters[id] = continuation }
                return exit
            }
            if let done { return continuation.resume(returning: done) }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                lock.withLock { exitWaiters.removeValue(forKey: id) }?.resume(returning: nil)
            }
        }
    }

    /// Runs the binary to completion (for one-shot commands like check-config), at most
    /// `timeout`.
    static func runToExit(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil, timeout: Duration = .seconds(120)
    ) async throws -> (status: Int32, output: String) {
        var command = [binary] + arguments
        if let directory {
            // posix_spawn has no working directory: let a shell change to it.
            command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + command
        }
        let result = try await ChildProcess.run(command[0], Array(command.dropFirst()), environment: environment, timeout: timeout)
        if result.timedOut { throw TestFailure("smolhogd \(arguments) did not finish within \(timeout); output:\n\(result.output)") }
        return (result.status, result.output)
    }

    // MARK: HTTP

    struct HTTPAnswer {
        var status: Int
        var body: Data
        var headers: [String: String]
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw TestFailure("not a URL path: \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields["\(name)"] = "\(value)" }
        return HTTPAnswer(status: http?.statusCode ?? 0, body: data, headers: fields)
    }

    func json(_ method: String, _ path: String, body: Any? = nil) async throws -> (status: Int, json: [String: Any]) {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let answer = try await request(method, path, body: data)
        return (answer.status, answer.json)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes (no fixed sleeps).
func waitFor(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("smolhogd-e2e-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
