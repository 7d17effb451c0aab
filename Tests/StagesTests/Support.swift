import Foundation
import Logging
import PipelineKit
import Stages

/// A fresh temporary directory, removed by the caller with `cleanup()`.
struct TemporaryDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("smolhog-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// The built-in plugins and the in-memory twins.
let testPlugins: Plugins = {
    do {
        return try Plugins.builtInOrThrow().adding(queues: [MemoryQueueDriver.self], stores: [MemoryStoreDriver.self])
    } catch {
        fatalError("the built-in plugins clash: \(error)")
    }
}()

func compile(_ yaml: String, environment: [String: String] = [:], plugins: Plugins = .builtIn) throws -> CheckedGraph {
    try GraphCompiler.compile(PipelineDocument.parse(yaml, file: "pipeline.yaml", environment: environment), plugins: plugins)
}

/// The issues `yaml` produces (empty when it compiles).
func issues(_ yaml: String, environment: [String: String] = [:]) -> [ConfigIssue] {
    do {
        _ = try compile(yaml, environment: environment)
        return []
    } catch let error as ConfigError {
        return error.issues
    } catch {
        return [ConfigIssue(code: .invalidValue, file: "?", line: 0, column: 0, path: "", message: "\(error)")]
    }
}

func event(_ id: String, name: String = "page_view", user: String = "u1", at iso: String = "2024-05-06T07:08:09Z", properties: JSONObject = [:]) -> Event {
    Event(
        eventID: id, eventName: name, userID: user, properties: properties, timestamp: Timestamp(iso8601: iso) ?? Timestamp(microseconds: 0),
        receivedAt: Timestamp.now())
}

let testLogger = Logger(label: "test")

/// 300 event names with one event each and one ("hot") with 150, so a page of every name has
/// runs to finish in its second round (NewestKeysMerge); some events share a timestamp, and
/// timestamps do not follow the order of the events.
func manyNamedEvents() -> [Event] {
    (0..<450).map { n in
        let minute = String(format: "%02d", n % 7)
        let second = String(format: "%02d", (n * 37) % 60)
        return event("e\(n)", name: n % 3 == 0 ? "hot" : "name-\(n)", at: "2024-05-06T07:\(minute):\(second)Z")
    }
}

/// Every event of `query`'s pages, following the cursor.
func walkEventPages(_ reader: some AnalyticsReader, _ query: EventQuery) async throws -> [Event] {
    var query = query
    var seen: [Event] = []
    repeat {
        let page = try await reader.events(query)
        seen += page.rows.map(\.event)
        query.after = page.next
    } while query.after != nil
    return seen
}

/// Waits for `condition` with a deadline instead of sleeping a fixed time.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
