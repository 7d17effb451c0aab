// AMQPSession: one open rabbitmq-c connection and the synchronous calls the driver makes on
// it. Owns the C connection state; confined to the connection thread that created it.

import CRabbitMQ
import PipelineKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A logged-in AMQP connection. Every method blocks and must be called from the one thread
/// that opened it (rabbitmq-c is not thread-safe); the class is deliberately not Sendable.
final class AMQPSession {
    let state: amqp_connection_state_t
    private var open = true

    /// Connects and logs in; connect, login and every later RPC are bounded by `timeout`.
    init(endpoint: AMQPEndpoint, timeout: Duration, heartbeatSeconds: Int) throws {
        guard let state = amqp_new_connection() else { throw AMQPError("cannot allocate an AMQP connection") }
        self.state = state
        do {
            guard let socket = amqp_tcp_socket_new(state) else { throw AMQPError("cannot allocate a TCP socket") }
            var deadline = timeval(duration: timeout)
            let opened = CBytes.scope { arena in
                amqp_socket_open_noblock(socket, arena.cString(endpoint.host), Int32(endpoint.port), &deadline)
            }
            guard opened == AMQP_STATUS_OK.rawValue else { throw AMQPError(status: opened, while: "connecting to \(endpoint)") }
            // While nothing listens on a local port in the ephemeral range, a reconnect can get
            // that very port as its source and "connect" to itself (and then block the broker's bind).
            if Self.isConnectedToItself(amqp_get_sockfd(state)) { throw AMQPError("connecting to \(endpoint): nothing is listening") }
            _ = amqp_set_handshake_timeout(state, &deadline)
            _ = amqp_set_rpc_timeout(state, &deadline)
            let reply = CBytes.scope { arena in
                smolhog_amqp_login_plain(
                    state, arena.cString(endpoint.vhost), 0, 131_072, Int32(heartbeatSeconds), arena.cString(endpoint.user),
                    arena.cString(endpoint.password))
            }
            if let error = AMQPError(reply: reply, while: "logging in to \(endpoint) as '\(endpoint.user)'") { throw error }
        } catch {
            amqp_destroy_connection(state)
            open = false
            throw error
        }
    }

    deinit {
        if open { amqp_destroy_connection(state) }
    }

    /// The socket, for `poll` and for the watchdog's `shutdown`.
    var descriptor: Int32 { amqp_get_sockfd(state) }

    /// Frames already read and waiting: `nextFrame` returns at once without touching the socket.
    var hasBufferedInput: Bool { amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 }

    private func checkReply(_ action: @autoclosure () -> String) throws {
        if let error = AMQPError(reply: amqp_get_rpc_reply(state), while: action()) { throw error }
    }

    func openChannel(_ channel: UInt16) throws {
        _ = amqp_channel_open(state, channel)
        try checkReply("opening channel \(channel)")
    }

    /// Declares a durable queue (quorum when asked); an existing queue with other arguments
    /// makes the broker close the channel, which is reported as an error.
    func declareQueue(_ name: String, quorum: Bool, channel: UInt16) throws {
        CBytes.scope { arena in
            let arguments = arena.table(quorum ? [("x-queue-type", "quorum")] : [])
            _ = amqp_queue_declare(state, channel, arena.bytes(name), 0, 1, 0, 0, arguments)
        }
        try checkReply("declaring queue '\(name)'")
    }

    /// Puts the channel in publisher-confirm mode: every publish gets a basic.ack or basic.nack.
    func confirmSelect(channel: UInt16) throws {
        _ = amqp_confirm_select(state, channel)
        try checkReply("enabling publisher confirms")
    }

    func setPrefetch(_ count: Int, channel: UInt16) throws {
        _ = amqp_basic_qos(state, channel, 0, UInt16(clamping: count), 0)
        try checkReply("setting prefetch \(count)")
    }

    /// Starts consuming with manual acks; returns the consumer tag.
    func consume(queue: String, channel: UInt16) throws -> [UInt8] {
        let tag = CBytes.scope { arena in
            let empty = amqp_table_t(num_entries: 0, entries: nil)
            let ok = amqp_basic_consume(state, channel, arena.bytes(queue), emptyAMQPBytes, 0, 0, 0, empty)
            return ok?.pointee.consumer_tag.array
        }
        try checkReply("consuming from '\(queue)'")
        return tag ?? []
    }

    func cancel(consumerTag: [UInt8], channel: UInt16) throws {
        CBytes.scope { arena in _ = amqp_basic_cancel(state, channel, arena.bytes(consumerTag)) }
        try checkReply("cancelling the consumer")
    }

    /// Publishes one persistent message to `queue` through the default exchange, mandatory
    /// (an unroutable message comes back as basic.return instead of being dropped).
    func publish(body: [UInt8], queue: String, messageID: String, headers: [(key: String, value: String)] = [], channel: UInt16) throws {
        let status = CBytes.scope { arena in
            var properties = amqp_basic_properties_t()
            properties._flags =
                SMOLHOG_AMQP_BASIC_CONTENT_TYPE_FLAG | SMOLHOG_AMQP_BASIC_DELIVERY_MODE_FLAG | SMOLHOG_AMQP_BASIC_MESSAGE_ID_FLAG
            properties.content_type = arena.bytes(EventBatchCodec.contentType)
            properties.delivery_mode = SMOLHOG_AMQP_DELIVERY_PERSISTENT
            properties.message_id = arena.bytes(messageID)
            if !headers.isEmpty {
                properties._flags |= SMOLHOG_AMQP_BASIC_HEADERS_FLAG
                properties.headers = arena.table(headers)
            }
            let routingKey = arena.bytes(queue)
            return body.withUnsafeBytes { raw in
                let content = amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                return amqp_basic_publish(state, channel, emptyAMQPBytes, routingKey, 1, 0, &properties, content)
            }
        }
        guard status == AMQP_STATUS_OK.rawValue else { throw AMQPError(status: status, while: "publishing to '\(queue)'") }
    }

    func ack(deliveryTag: UInt64, multiple: Bool, channel: UInt16) throws {
        let status = amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else { throw AMQPError(status: status, while: "acknowledging") }
    }

    /// The next frame, or nil when none arrives within `timeout`. A zero timeout still sends a
    /// due heartbeat; a small positive one also notices a broker that stopped sending them.
    func nextFrame(timeout: Duration) throws -> AMQPFrame? {
        var frame = amqp_frame_t()
        var wait = timeval(duration: timeout)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        guard status == AMQP_STATUS_OK.rawValue else { throw AMQPError(status: status, while: "reading from the broker") }
        return AMQPFrame(frame)
    }

    /// Lets the library reuse the memory of frames already copied out.
    func releaseBuffers() { amqp_maybe_release_buffers(state) }

    /// Answers a broker's connection.close (the connection is unusable afterwards).
    func confirmBrokerClose() {
        var closeOK = amqp_connection_close_ok_t(dummy: 0)
        _ = amqp_send_method(state, 0, SMOLHOG_AMQP_CONNECTION_CLOSE_OK_METHOD, &closeOK)
    }

    /// Frees a broken connection without the close handshake.
    func abandon() {
        guard open else { return }
        amqp_destroy_connection(state)
        open = false
    }

    /// Closes the connection politely (the broker requeues unacked deliveries) and frees it.
    func close() {
        guard open else { return }
        _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        amqp_destroy_connection(state)
        open = false
    }
}

extension AMQPSession {
    /// True when the socket's local and remote addresses are the same (a TCP self-connect).
    static func isConnectedToItself(_ descriptor: Int32) -> Bool {
        var local = sockaddr_storage()
        var remote = sockaddr_storage()
        var localLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var remoteLength = localLength
        let named = withUnsafeMutablePointer(to: &local) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &localLength) == 0 }
        }
        let peered = withUnsafeMutablePointer(to: &remote) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &remoteLength) == 0 }
        }
        guard named, peered, localLength == remoteLength else { return false }
        return withUnsafeBytes(of: &local) { localBytes in
            withUnsafeBytes(of: &remote) { remoteBytes in
                localBytes.prefix(Int(localLength)).elementsEqual(remoteBytes.prefix(Int(remoteLength)))
            }
        }
    }
}

extension timeval {
    init(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
