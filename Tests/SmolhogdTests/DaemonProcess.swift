import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `smolhogd` child process for end-to-end tests: started on a free port, its output
/// captured, stopped with the signal the test chooses.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: `output` is guarded by `lock`; the rest is set before the process starts.
    let process = Process()
    private let lock = NSLock()
    private var output = ""
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

    init(arguments: [String], environment: [String: String] = [:]) {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
    }

    var log: String { lock.withLock { output } }

    /// Starts a process without HTTP (a worker) and waits until its log matches `pattern`.
    func start(waitingFor pattern: String, timeout: Duration = .seconds(60)) async throws {
        try process.run()
        let found = try await waitFor(timeout: timeout) { self.log.range(of: pattern, options: .regularExpression) != nil }
        guard found else { throw TestFailure("smolhogd did not log '\(pattern)'; log:\n\(log)") }
    }

    /// Starts the process and waits until it logs the port it listens on.
    func start(timeout: Duration = .seconds(60)) async throws {
        try process.run()
        let found = try await waitFor(timeout: timeout) {
            guard let range = self.log.range(of: #"port=(\d+) \[smolhogd\] Listening"#, options: .regularExpression) else { return false }
            let digits = self.log[range].dropFirst("port=".count).prefix { $0.isNumber }
            self.port = Int(digits) ?? 0
            return self.port > 0
        }
        guard found else { throw TestFailure("smolhogd did not start listening; log:\n\(log)") }
    }

    func kill(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// Runs the binary to completion (for one-shot commands like check-config).
    static func runToExit(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    // MARK: HTTP

    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    func json(_ method: String, _ path: String, body: Any? = nil) async throws -> (status: Int, json: [String: Any]) {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let (status, response) = try await request(method, path, body: data)
        return (status, (try? JSONSerialization.jsonObject(with: response)) as? [String: Any] ?? [:])
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
