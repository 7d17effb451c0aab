// AMQPFrame: the frames a connection thread reads, copied out of rabbitmq-c's buffers into
// Swift values, and AMQPError, the one error type below the driver's public surface.

import CRabbitMQ

/// A failure of the broker connection or of a library call, with a readable reason.
struct AMQPError: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// From a rabbitmq-c status code (`amqp_status_enum`).
    init(status: Int32, while action: String) {
        let text = amqp_error_string2(status).map { String(cString: $0) } ?? "status \(status)"
        self.init("\(action): \(text)")
    }

    /// From the reply of a synchronous AMQP method; nil when it succeeded.
    init?(reply: amqp_rpc_reply_t, while action: String) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            self.init(status: reply.library_error, while: action)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            switch AMQPMethod(reply.reply) {
            case .connectionClose(let code, let text): self.init("\(action): broker closed the connection (\(code) \(text))")
            case .channelClose(let code, let text): self.init("\(action): broker closed the channel (\(code) \(text))")
            default: self.init("\(action): unexpected broker reply \(reply.reply.id)")
            }
        default:
            self.init("\(action): no reply from the broker")
        }
    }
}

/// One frame, with everything the driver needs copied out of the library's memory.
enum AMQPFrame: Sendable {
    case method(channel: UInt16, AMQPMethod)
    /// Content header; `messageID` is the publish sequence number on returned messages.
    case header(channel: UInt16, bodySize: UInt64, messageID: String?)
    case body(channel: UInt16, [UInt8])
    case other

    init(_ frame: amqp_frame_t) {
        switch frame.frame_type {
        case SMOLHOG_AMQP_FRAME_METHOD:
            self = .method(channel: frame.channel, AMQPMethod(frame.payload.method))
        case SMOLHOG_AMQP_FRAME_HEADER:
            var messageID: String?
            if let decoded = frame.payload.properties.decoded {
                let properties = decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee
                if properties._flags & SMOLHOG_AMQP_BASIC_MESSAGE_ID_FLAG != 0 { messageID = properties.message_id.string }
            }
            self = .header(channel: frame.channel, bodySize: frame.payload.properties.body_size, messageID: messageID)
        case SMOLHOG_AMQP_FRAME_BODY:
            self = .body(channel: frame.channel, frame.payload.body_fragment.array)
        default:
            self = .other
        }
    }
}

/// The methods the driver reacts to; anything else is `.other`.
enum AMQPMethod: Sendable {
    /// A publisher confirm (`multiple`: every tag up to this one).
    case basicAck(deliveryTag: UInt64, multiple: Bool)
    case basicNack(deliveryTag: UInt64, multiple: Bool)
    case basicDeliver(deliveryTag: UInt64, redelivered: Bool)
    /// A mandatory publish the broker could not route (its content follows).
    case basicReturn(replyCode: UInt16, replyText: String)
    /// The broker cancelled our consumer (the queue was deleted).
    case basicCancel
    case channelClose(replyCode: UInt16, replyText: String)
    case connectionClose(replyCode: UInt16, replyText: String)
    case other(UInt32)

    init(_ method: amqp_method_t) {
        guard let decoded = method.decoded else {
            self = .other(method.id)
            return
        }
        switch method.id {
        case SMOLHOG_AMQP_BASIC_ACK_METHOD:
            let ack = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            self = .basicAck(deliveryTag: ack.delivery_tag, multiple: ack.multiple != 0)
        case SMOLHOG_AMQP_BASIC_NACK_METHOD:
            let nack = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            self = .basicNack(deliveryTag: nack.delivery_tag, multiple: nack.multiple != 0)
        case SMOLHOG_AMQP_BASIC_DELIVER_METHOD:
            let deliver = decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            self = .basicDeliver(deliveryTag: deliver.delivery_tag, redelivered: deliver.redelivered != 0)
        case SMOLHOG_AMQP_BASIC_RETURN_METHOD:
            let returned = decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            self = .basicReturn(replyCode: returned.reply_code, replyText: returned.reply_text.string)
        case SMOLHOG_AMQP_BASIC_CANCEL_METHOD:
            self = .basicCancel
        case SMOLHOG_AMQP_CHANNEL_CLOSE_METHOD:
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            self = .channelClose(replyCode: close.reply_code, replyText: close.reply_text.string)
        case SMOLHOG_AMQP_CONNECTION_CLOSE_METHOD:
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            self = .connectionClose(replyCode: close.reply_code, replyText: close.reply_text.string)
        default:
            self = .other(method.id)
        }
    }
}
