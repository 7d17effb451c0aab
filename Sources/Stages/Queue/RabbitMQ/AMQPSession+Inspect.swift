// Inspection calls on an AMQPSession: queue depth (passive declare), basic.get with headers,
// queue delete. Used for `RabbitMQQueue.depth()` and by the integration tests; same thread
// confinement as the session.

import CRabbitMQ

/// A message fetched with basic.get.
struct FetchedMessage: Sendable {
    var body: [UInt8]
    /// The long-string headers (others are skipped).
    var headers: [String: String]
    var redelivered: Bool
}

extension AMQPSession {
    /// Messages ready in `queue` (unacknowledged deliveries are not counted).
    func readyCount(queue: String, channel: UInt16) throws -> Int {
        let count = CBytes.scope { arena -> UInt32? in
            let empty = amqp_table_t(num_entries: 0, entries: nil)
            return amqp_queue_declare(state, channel, arena.bytes(queue), 1, 0, 0, 0, empty)?.pointee.message_count
        }
        if let error = AMQPError(reply: amqp_get_rpc_reply(state), while: "inspecting queue '\(queue)'") { throw error }
        return Int(count ?? 0)
    }

    /// Takes one message off `queue` (acknowledged on receipt); nil when it is empty.
    func get(queue: String, channel: UInt16) throws -> FetchedMessage? {
        let reply = CBytes.scope { arena in amqp_basic_get(state, channel, arena.bytes(queue), 1) }
        if let error = AMQPError(reply: reply, while: "getting from '\(queue)'") { throw error }
        guard reply.reply.id == SMOLHOG_AMQP_BASIC_GET_OK_METHOD, let decoded = reply.reply.decoded else { return nil }
        let redelivered = decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee.redelivered != 0
        var message = amqp_message_t()
        let read = amqp_read_message(state, channel, &message, 0)
        defer { amqp_destroy_message(&message) }
        if let error = AMQPError(reply: read, while: "reading a message from '\(queue)'") { throw error }
        var headers: [String: String] = [:]
        if message.properties._flags & SMOLHOG_AMQP_BASIC_HEADERS_FLAG != 0, let entries = message.properties.headers.entries {
            for index in 0..<Int(message.properties.headers.num_entries) {
                let entry = entries[index]
                if entry.value.kind == SMOLHOG_AMQP_FIELD_KIND_UTF8 { headers[entry.key.string] = entry.value.value.bytes.string }
            }
        }
        return FetchedMessage(body: message.body.array, headers: headers, redelivered: redelivered)
    }

    func deleteQueue(_ name: String, channel: UInt16) throws {
        CBytes.scope { arena in _ = amqp_queue_delete(state, channel, arena.bytes(name), 0, 0) }
        if let error = AMQPError(reply: amqp_get_rpc_reply(state), while: "deleting queue '\(name)'") { throw error }
    }
}
