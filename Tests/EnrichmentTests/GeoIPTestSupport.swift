// What the GeoIP tests share: small City databases written by scripts/make-test-geoip.py
// (mmdb-writer, from the python that SMOLHOG_TEST_PYTHON names), temporary folders, files
// replaced by rename, and waiting for a condition with a deadline.

import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes test databases with scripts/make-test-geoip.py. The python is SMOLHOG_TEST_PYTHON
/// (scripts/test.sh sets it to its virtualenv's, which has scripts/requirements-test.txt), or
/// `python3` on PATH. Tests that need a database are skipped, with `skipReason`, only when
/// that variable is unset, CI is not `true`, and `python3` cannot import mmdb_writer; then a
/// missing mmdb-writer fails them with a message saying how to get it.
enum GeoIPFixture {
    static let environment = ProcessInfo.processInfo.environment
    static let configuredPython = environment["SMOLHOG_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    static let python = configuredPython ?? "python3"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/make-test-geoip.py").path

    /// Why `python` cannot write databases (its own words), or nil when it can; asked once.
    static let writerProblem: String? = {
        do {
            let result = try run(python, ["-c", "import mmdb_writer, netaddr"])
            // A traceback's last line says what is missing (`No module named 'mmdb_writer'`).
            let lastLine = result.output.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
            return result.status == 0 ? nil : lastLine
        } catch {
            return "\(error)"
        }
    }()

    /// True when the tests that need a database run: always under scripts/test.sh or CI.
    static var enabled: Bool { configuredPython != nil || environment["CI"] == "true" || writerProblem == nil }
    static let skipReason: Comment =
        "needs mmdb-writer: python3 cannot import mmdb_writer; run scripts/test.sh, or set SMOLHOG_TEST_PYTHON to a python with scripts/requirements-test.txt installed"

    /// Writes the database `variant` (see scripts/make-test-geoip.py) to `path`.
    static func make(_ path: String, variant: String = "city") throws {
        if let problem = writerProblem {
            throw TestFailure(
                """
                \(python) cannot import mmdb_writer (\(configuredPython == nil ? "SMOLHOG_TEST_PYTHON is unset" : "from SMOLHOG_TEST_PYTHON")): \
                \(problem). Run scripts/test.sh, which installs scripts/requirements-test.txt \
                into .build/venv and sets SMOLHOG_TEST_PYTHON, or: python3 -m venv /tmp/geoip-venv && /tmp/geoip-venv/bin/pip install \
                -r scripts/requirements-test.txt && SMOLHOG_TEST_PYTHON=/tmp/geoip-venv/bin/python3 swift test --filter GeoIP
                """)
        }
        let result = try run(python, [script, path, variant])
        guard result.status == 0 else { throw TestFailure("\(script) \(path) \(variant) exited with \(result.status):\n\(result.output)") }
    }

    /// Runs `executable` (looked up on PATH) to its end; its status and its output (stdout and
    /// stderr together).
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

/// A test's own failure, with the message it shows.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a new empty folder, removed afterwards.
func withTemporaryDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smolhog-geoip-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// Runs `body` with the path of database `variant` (see scripts/make-test-geoip.py), written
/// as `VARIANT.mmdb` in a new folder (its second argument), removed afterwards.
func withTestDatabase<Result>(variant: String = "city", _ body: (_ path: String, _ directory: String) async throws -> Result) async throws -> Result {
    try await withTemporaryDirectory { directory in
        let path = directory + "/\(variant).mmdb"
        try GeoIPFixture.make(path, variant: variant)
        return try await body(path, directory)
    }
}

/// Puts `contents` at `path` the way a database update should: written to a new file beside
/// it, then renamed over it.
func replaceFile(_ path: String, with contents: Data) throws {
    let temporary = path + ".new-\(UUID().uuidString)"
    try contents.write(to: URL(fileURLWithPath: temporary))
    try renameFile(temporary, to: path)
}

/// Puts database `variant` at `path`, written beside it, then renamed over it.
func replaceDatabase(_ path: String, variant: String) throws {
    let temporary = path + ".new-\(UUID().uuidString)"
    try GeoIPFixture.make(temporary, variant: variant)
    try renameFile(temporary, to: path)
}

/// rename(2): atomically replaces `destination`.
func renameFile(_ source: String, to destination: String) throws {
    guard rename(source, destination) == 0 else { throw TestFailure("rename \(source) \(destination): \(String(cString: strerror(errno)))") }
}

/// Whether `condition` became true before `timeout` passed, asking it every 10 ms.
func eventually(within timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// What callbacks were given, in order, from any thread.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func record(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}
