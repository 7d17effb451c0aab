// `queue: {rabbitmq: {...}}` options: the YAML shape, the I/O-free checks, and the parsed
// broker endpoint. Owns the defaults of the RabbitMQ driver; nothing here talks to a broker.

import Foundation
public import PipelineKit

/// `rabbitmq:` options of the queue stage.
///
/// ```yaml
/// - queue:
///     rabbitmq: {url: "amqp://guest:guest@127.0.0.1:5672/", queue: events, quorum: true}
/// ```
public struct RabbitMQQueueConfig: Decodable, Sendable, Hashable {
    /// `amqp://user:password@host:port/vhost` (an empty vhost means `/`).
    public var url: String = "amqp://guest:guest@127.0.0.1:5672/"
    /// The durable queue the ingest path publishes to and workers consume from.
    public var queue: String = "events"
    /// AMQP prefetch (basic.qos) for consumers; when unset, the worker's `prefetch` is used.
    public var prefetch: Int?
    /// Worker loops per worker process, each with its own channel and store transaction:
    /// two let PostgreSQL insert on two cores while one loop waits for its commit.
    public var consumers: Int = 2
    /// Declare quorum queues (`x-queue-type: quorum`) instead of classic durable ones.
    public var quorum: Bool = false
    /// Where poison messages go, with their reason in the `x-smolhog-reason` header.
    public var deadLetterQueue: String?
    /// How long a publish waits for the broker's confirm before it fails.
    public var confirmTimeoutMilliseconds: Int = 5000
    /// TCP connect, login and RPC timeout.
    public var connectTimeoutMilliseconds: Int = 3000
    /// AMQP heartbeat; 0 turns heartbeats off.
    public var heartbeatSeconds: Int = 30
    /// First reconnect delay; doubles up to `maxReconnectBackoffMilliseconds`.
    public var reconnectBackoffMilliseconds: Int = 100
    public var maxReconnectBackoffMilliseconds: Int = 5000

    public init() {}

    /// The dead-letter queue name (`<queue>.dead` unless set).
    public var resolvedDeadLetterQueue: String { deadLetterQueue ?? queue + ".dead" }

    enum CodingKeys: String, CodingKey {
        case url, queue, prefetch, quorum, consumers
        case deadLetterQueue = "dead_letter_queue"
        case confirmTimeoutMilliseconds = "confirm_timeout_ms"
        case connectTimeoutMilliseconds = "connect_timeout_ms"
        case heartbeatSeconds = "heartbeat_s"
        case reconnectBackoffMilliseconds = "reconnect_backoff_ms"
        case maxReconnectBackoffMilliseconds = "max_reconnect_backoff_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decodeIfPresent(String.self, forKey: .url) ?? url
        queue = try container.decodeIfPresent(String.self, forKey: .queue) ?? queue
        prefetch = try container.decodeIfPresent(Int.self, forKey: .prefetch)
        consumers = try container.decodeIfPresent(Int.self, forKey: .consumers) ?? consumers
        quorum = try container.decodeIfPresent(Bool.self, forKey: .quorum) ?? quorum
        deadLetterQueue = try container.decodeIfPresent(String.self, forKey: .deadLetterQueue)
        confirmTimeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .confirmTimeoutMilliseconds) ?? confirmTimeoutMilliseconds
        connectTimeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .connectTimeoutMilliseconds) ?? connectTimeoutMilliseconds
        heartbeatSeconds = try container.decodeIfPresent(Int.self, forKey: .heartbeatSeconds) ?? heartbeatSeconds
        reconnectBackoffMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .reconnectBackoffMilliseconds) ?? reconnectBackoffMilliseconds
        maxReconnectBackoffMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .maxReconnectBackoffMilliseconds) ?? maxReconnectBackoffMilliseconds
    }

    /// Problems found without connecting, each naming its field.
    public func problems() -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        do { _ = try AMQPEndpoint(url: url) } catch { problems.append(ConfigProblem(path: ["url"], error.description)) }
        for (field, name) in [("queue", queue), ("dead_letter_queue", resolvedDeadLetterQueue)] {
            if name.isEmpty || name.utf8.count > 255 { problems.append(ConfigProblem(path: [field], "expected a queue name of 1 to 255 bytes")) }
        }
        if resolvedDeadLetterQueue == queue { problems.append(ConfigProblem(path: ["dead_letter_queue"], "must differ from 'queue'")) }
        if let prefetch, !(1...65535).contains(prefetch) { problems.append(ConfigProblem(path: ["prefetch"], "expected 1 to 65535")) }
        if !(1...64).contains(consumers) { problems.append(ConfigProblem(path: ["consumers"], "expected 1 to 64 worker loops, got \(consumers)")) }
        let positive: [(String, Int)] = [
            ("confirm_timeout_ms", confirmTimeoutMilliseconds), ("connect_timeout_ms", connectTimeoutMilliseconds),
            ("reconnect_backoff_ms", reconnectBackoffMilliseconds), ("max_reconnect_backoff_ms", maxReconnectBackoffMilliseconds),
        ]
        for (field, value) in positive where value <= 0 { problems.append(ConfigProblem(path: [field], "expected a positive number of milliseconds")) }
        if !(0...3600).contains(heartbeatSeconds) { problems.append(ConfigProblem(path: ["heartbeat_s"], "expected 0 (off) to 3600 seconds")) }
        return problems
    }
}

/// Where and as whom to connect, parsed from an `amqp://` URL.
struct AMQPEndpoint: Sendable, Hashable, CustomStringConvertible {
    var host: String
    var port: Int
    var user: String
    var password: String
    var vhost: String

    init(url: String) throws(AMQPError) {
        guard let components = URLComponents(string: url) else { throw AMQPError("'\(url)' is not a URL") }
        guard components.scheme == "amqp" else {
            throw AMQPError("expected an amqp:// URL (amqps:// is not supported), got scheme '\(components.scheme ?? "")'")
        }
        guard let host = components.host, !host.isEmpty else { throw AMQPError("the URL has no host") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5672
        guard (1...65535).contains(port) else { throw AMQPError("port \(port) is out of range") }
        user = components.user ?? "guest"
        password = components.password ?? "guest"
        let path = components.path
        let vhost = path.hasPrefix("/") ? String(path.dropFirst()) : path
        self.vhost = vhost.isEmpty ? "/" : vhost
    }

    /// `host:port/vhost`, without credentials (for logs and health).
    var description: String { "\(host):\(port)\(vhost == "/" ? "/" : "/" + vhost)" }
}
