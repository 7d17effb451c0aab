// Runs a command to its end without blocking Swift's cooperative pool, with a deadline.
// Shared by SmolhogdTests and StagesTests (Tests/StagesTests/ChildProcess.swift is a link to
// this file).

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

enum ChildProcess {
    struct Result: Sendable {
        var status: Int32
        var output: String
        /// The deadline passed and the child was killed (its status is then 128 + SIGKILL).
        var timedOut: Bool
    }

    struct SpawnFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `executable` with `arguments` to its end, on a thread of its own, and returns its
    /// status and output (stdout and stderr together). Past `timeout` the child is killed.
    ///
    /// Not Foundation's `Process`: after a script that leaves a server running in the
    /// background, its `waitUntilExit` was seen never to return (the script a zombie). This
    /// spawns and reaps the child itself, with output through a file (a background server
    /// would hold a pipe open).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(120)
    ) async throws -> Result {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("smolhog-run-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let pid = PIDBox()
        let argv = [executable] + arguments
        let envp = environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 }.map { "\($0)=\($1)" } }
        var timedOut = false
        let status: Int32 = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                    Thread { continuation.resume(returning: spawnAndWait(argv, environment: envp, outputPath: outputPath, pid: pid)) }.start()
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var status: Int32 = -1
            while let next = await group.next() {
                if let next {
                    status = next
                    group.cancelAll()
                } else if !Task.isCancelled, let child = pid.value, status == -1 {
                    // The deadline passed: end the child; its thread then reaps it.
                    timedOut = true
                    kill(child, SIGKILL)
                }
            }
            return status
        }
        guard status >= 0 else { throw SpawnFailed(description: "could not start \(executable)") }
        return Result(status: status, output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "", timedOut: timedOut)
    }

    /// Runs a command to its end on the calling thread, which it blocks: only for code that
    /// cannot await (prefer `run`). For a deadline, run it under /usr/bin/timeout.
    static func runBlocking(_ executable: String, _ arguments: [String]) throws -> Result {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("smolhog-run-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = spawnAndWait([executable] + arguments, environment: nil, outputPath: outputPath, pid: PIDBox())
        guard status >= 0 else { throw SpawnFailed(description: "could not start \(executable)") }
        return Result(status: status, output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "", timedOut: false)
    }

    private static func spawnAndWait(_ arguments: [String], environment: [String]?, outputPath: String, pid box: PIDBox) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = envp.map { posix_spawn(&pid, arguments[0], &actions, nil, argv, $0) } ?? posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { return -1 }
        box.set(pid)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// The pid of a spawned child, set by the thread that waits for it.
final class PIDBox: @unchecked Sendable {
    // @unchecked: `pid` is guarded by `lock`.
    private let lock = NSLock()
    private var pid: pid_t?
    func set(_ value: pid_t) { lock.withLock { pid = value } }
    var value: pid_t? { lock.withLock { pid } }
}
