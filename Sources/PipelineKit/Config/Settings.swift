// Process-wide settings from pipeline.yaml that are not stages: the HTTP listener and the
// worker loop. Plain data; the HTTP layer and the worker read them.

/// A top-level section of pipeline.yaml: decoded, then checked for values its type allows
/// but the daemon cannot use (each problem is reported at its YAML line).
protocol SettingsSection: Decodable {
    var problems: [ConfigProblem] { get }
}

/// `server:` in pipeline.yaml: the HTTP listener, read when a process that serves HTTP starts.
public struct ServerSettings: SettingsSection, Sendable, Hashable {
    /// `HOST:PORT` to listen on (`[::1]:8000` for IPv6; an empty host means `0.0.0.0`).
    public var listen: String = "127.0.0.1:8000"
    /// Largest request body accepted (bytes, after decompression); larger answers 413.
    public var maxBodyBytes: Int = 5 * 1024 * 1024
    /// Seconds a connection may go without a byte from its client, while no request of it
    /// is being handled, before it is closed: idle keep-alive connections and clients that
    /// open a connection and send nothing.
    public var idleTimeoutSeconds: Double = 60
    /// Events accepted and not yet stored (the queue's backlog) above which ingest answers
    /// 503 `overloaded` instead of taking more, so an ingest rate the worker cannot follow
    /// costs retries, not disk and memory. Only queues that know their backlog (embedded).
    public var maxBacklogEvents: Int = 500_000
    /// Seconds the worker may go without storing a group while messages wait before
    /// `GET /readyz` reports the store as behind.
    public var maxStoreStallSeconds: Double = 30
    /// Seconds a request's line and headers may take from their first byte to their last;
    /// a client still sending its head after that gets 408 and is disconnected.
    public var headerTimeoutSeconds: Double = 10
    /// Seconds a request body may go without a byte while it is still shorter than its
    /// Content-Length (or its chunked encoding has not ended); past that the request is
    /// abandoned (408) and its connection closed.
    public var bodyTimeoutSeconds: Double = 30
    /// Open HTTP connections at most; a connection beyond it gets 503 and is closed. Nil:
    /// derived from the process's file limit when the server starts.
    public var maxConnections: Int?
    /// Seconds requests still in progress get to finish after SIGTERM or SIGINT before their
    /// connections are closed and the HTTP server stops.
    public var shutdownTimeoutSeconds: Double = 10
    /// `cors`: which browser origins may send events to the ingest routes (any by default).
    public var cors = CORSSettings()
    /// `trusted_proxies`: CIDR ranges (`10.0.0.0/8`, `fd00::/8`) of the reverse proxies whose
    /// `X-Forwarded-For` gives the client's address; empty (the default): the TCP peer is the client.
    public var trustedProxies = TrustedProxies()

    /// The defaults above, as used when `server:` is absent.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case listen
        case maxBodyBytes = "max_body_bytes"
        case idleTimeoutSeconds = "idle_timeout_s"
        case maxBacklogEvents = "max_backlog_events"
        case maxStoreStallSeconds = "max_store_stall_s"
        case headerTimeoutSeconds = "header_timeout_s"
        case bodyTimeoutSeconds = "body_timeout_s"
        case maxConnections = "max_connections"
        case shutdownTimeoutSeconds = "shutdown_timeout_s"
        case cors
        case trustedProxies = "trusted_proxies"
    }

    /// Decodes `server:`; absent keys keep their defaults. Ranges are checked after decoding
    /// (`max_body_bytes` at least 1024, `listen` a valid `HOST:PORT`, timeouts more than 0,
    /// `max_connections` at least 1), each problem at its line.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        headerTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .headerTimeoutSeconds) ?? headerTimeoutSeconds
        bodyTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .bodyTimeoutSeconds) ?? bodyTimeoutSeconds
        maxConnections = try container.decodeIfPresent(Int.self, forKey: .maxConnections)
        shutdownTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .shutdownTimeoutSeconds) ?? shutdownTimeoutSeconds
        listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? listen
        maxBodyBytes = try container.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? maxBodyBytes
        idleTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .idleTimeoutSeconds) ?? idleTimeoutSeconds
        maxBacklogEvents = try container.decodeIfPresent(Int.self, forKey: .maxBacklogEvents) ?? maxBacklogEvents
        maxStoreStallSeconds = try container.decodeIfPresent(Double.self, forKey: .maxStoreStallSeconds) ?? maxStoreStallSeconds
        cors = try container.decodeIfPresent(CORSSettings.self, forKey: .cors) ?? cors
        trustedProxyTexts = try container.decodeIfPresent([String].self, forKey: .trustedProxies) ?? []
        trustedProxies = TrustedProxies(trustedProxyTexts.compactMap(IPNetwork.init))
    }

    /// `trusted_proxies` as written, for the checks (an entry that does not parse is left out
    /// of `trustedProxies` and reported).
    private var trustedProxyTexts: [String] = []

    /// The host and port of `listen`, or nil when it is not `HOST:PORT`.
    public var hostAndPort: (host: String, port: Int)? { Self.parse(listen: listen) }

    /// Splits `listen` at its last colon into host and port. Brackets around an IPv6 host are
    /// removed; an empty host means `0.0.0.0`. Nil when the port is not an integer in 0...65535.
    public static func parse(listen: String) -> (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    var problems: [ConfigProblem] {
        var problems: [ConfigProblem] = []
        if hostAndPort == nil { problems.append(ConfigProblem(path: ["listen"], "'\(listen)' is not HOST:PORT; expected e.g. 127.0.0.1:8000")) }
        if maxBodyBytes < 1024 { problems.append(ConfigProblem(path: ["max_body_bytes"], "must be at least 1024, got \(maxBodyBytes)")) }
        let timeouts: [(CodingKeys, Double)] = [
            (.idleTimeoutSeconds, idleTimeoutSeconds), (.headerTimeoutSeconds, headerTimeoutSeconds), (.bodyTimeoutSeconds, bodyTimeoutSeconds),
            (.shutdownTimeoutSeconds, shutdownTimeoutSeconds),
        ]
        for (key, seconds) in timeouts where !(seconds > 0 && seconds <= 86_400) {
            problems.append(ConfigProblem(path: [key.rawValue], "must be more than 0 and at most 86400 seconds, got \(seconds)"))
        }
        if let maxConnections, !(1...1_000_000).contains(maxConnections) {
            problems.append(ConfigProblem(path: [CodingKeys.maxConnections.rawValue], "must be at least 1 and at most 1000000, got \(maxConnections)"))
        }
        problems += cors.problems.map { ConfigProblem(path: ["cors"] + $0.path, $0.message) }
        for (index, text) in trustedProxyTexts.enumerated() where IPNetwork(text) == nil {
            problems.append(
                ConfigProblem(
                    path: ["trusted_proxies", "[\(index)]"],
                    "'\(text)' is not an address range; expected CIDR notation such as 10.0.0.0/8, 192.0.2.7 or fd00::/8"))
        }
        if maxBacklogEvents < 1 { problems.append(ConfigProblem(path: ["max_backlog_events"], "must be at least 1 event, got \(maxBacklogEvents)")) }
        if !(maxStoreStallSeconds >= 1 && maxStoreStallSeconds <= 86_400) {
            problems.append(ConfigProblem(path: ["max_store_stall_s"], "must be 1 to 86400 seconds, got \(maxStoreStallSeconds)"))
        }
        return problems
    }
}

/// `worker:` in pipeline.yaml: the worker loop's prefetch, retry and idle policy, read by
/// `WorkerLoop`.
public struct WorkerSettings: SettingsSection, Sendable, Hashable {
    /// Messages the queue may hand the worker before it acknowledges (AMQP prefetch).
    public var prefetch: Int = 500
    /// Tries of a message while the store is up before it goes to the dead-letter queue.
    public var maxAttempts: Int = 5
    /// First retry delay; doubles up to `maxBackoffMilliseconds`.
    public var backoffMilliseconds: Int = 100
    /// Longest retry delay (`max_backoff_ms`); at least `backoffMilliseconds`.
    public var maxBackoffMilliseconds: Int = 5000
    /// After this long without messages the worker lets the store and queue drop their caches
    /// (SQLite page caches, remembered bucket users), so an idle daemon shrinks back after a
    /// burst. 0 keeps them.
    public var releaseMemoryAfterIdleSeconds: Int = 10

    /// The defaults above, as used when `worker:` is absent.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case prefetch
        case maxAttempts = "max_attempts"
        case backoffMilliseconds = "backoff_ms"
        case maxBackoffMilliseconds = "max_backoff_ms"
        case releaseMemoryAfterIdleSeconds = "release_memory_after_idle_s"
    }

    /// Decodes `worker:`; absent keys keep their defaults. Ranges are checked after decoding
    /// (`prefetch`, `max_attempts`, `backoff_ms` at least 1; `release_memory_after_idle_s` at
    /// least 0), each problem at its line.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prefetch = try container.decodeIfPresent(Int.self, forKey: .prefetch) ?? prefetch
        maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? maxAttempts
        backoffMilliseconds = try container.decodeIfPresent(Int.self, forKey: .backoffMilliseconds) ?? backoffMilliseconds
        maxBackoffMilliseconds = try container.decodeIfPresent(Int.self, forKey: .maxBackoffMilliseconds) ?? maxBackoffMilliseconds
        releaseMemoryAfterIdleSeconds =
            try container.decodeIfPresent(Int.self, forKey: .releaseMemoryAfterIdleSeconds) ?? releaseMemoryAfterIdleSeconds
    }

    var problems: [ConfigProblem] {
        var problems: [ConfigProblem] = []
        func atLeast(_ minimum: Int, _ value: Int, _ key: CodingKeys) {
            if value < minimum { problems.append(ConfigProblem(path: [key.rawValue], "must be at least \(minimum), got \(value)")) }
        }
        atLeast(1, prefetch, .prefetch)
        atLeast(1, maxAttempts, .maxAttempts)
        atLeast(1, backoffMilliseconds, .backoffMilliseconds)
        atLeast(backoffMilliseconds, maxBackoffMilliseconds, .maxBackoffMilliseconds)
        atLeast(0, releaseMemoryAfterIdleSeconds, .releaseMemoryAfterIdleSeconds)
        return problems
    }
}
