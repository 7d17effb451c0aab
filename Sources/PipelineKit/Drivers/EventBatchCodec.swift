// EventBatchCodec: the message format on the queue (embedded and RabbitMQ alike). Owns the
// format and its versions; nothing else encodes events for the queue.

/// Encodes events, with the request context of their batch, into one queue message and back.
///
/// Format, version 3 (binary, what `encode` writes). The worker reads it without a JSON
/// parse: properties travel as the JSON text the store writes.
/// ```
/// message  := 0x03 context count:uvarint event{count}
/// context  := fields:u8 [str(source)] [str(client_ip)] [str(user_agent)] [str(key)] [sent_at:i64le]
///             (bit 0 source, bit 1 client_ip, bit 2 user_agent, bit 3 key, bit 4 sent_at:
///             each field is present when its bit is set; other bits must be 0)
/// event    := str(event_id) str(event_name) str(user_id) str(properties JSON object)
///             timestamp:i64le session:(0x00 | 0x01 str) received_at:i64le
/// str      := length:uvarint UTF-8 bytes
/// ```
/// Timestamps are microseconds since the Unix epoch. Version 2 (the same without `context`)
/// and version 1 (a JSON object starting with `{`, see EventBatchCodec+JSON.swift) are still
/// read, with an empty context, so messages queued by an older build drain after an upgrade.
/// A reader rejects versions it does not know, so a message from a newer writer goes to the
/// dead-letter queue instead of being misread (upgrade workers before ingest nodes).
package enum EventBatchCodec {
    package static let version = 3
    /// The AMQP content type of version 3 messages.
    package static let contentType = "application/vnd.smolhog.events.v3"

    package static func encode(_ events: [Event], context: IngestContext = IngestContext()) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 700 + 16)
        bytes.append(UInt8(version))
        appendContext(context, to: &bytes)
        appendVarint(UInt64(events.count), to: &bytes)
        for event in events {
            appendString(event.eventID, to: &bytes)
            appendString(event.eventName, to: &bytes)
            appendString(event.userID, to: &bytes)
            appendString(event.propertiesJSON, to: &bytes)
            appendInt64(event.timestamp.microseconds, to: &bytes)
            if let session = event.sessionID {
                bytes.append(1)
                appendString(session, to: &bytes)
            } else {
                bytes.append(0)
            }
            appendInt64(event.receivedAt.microseconds, to: &bytes)
        }
        return bytes
    }

    /// Decodes a message's events; throws `CodecError` naming what is wrong (the message is poison).
    package static func decode(_ bytes: [UInt8]) throws(CodecError) -> [Event] {
        try decodeBatch(bytes).events
    }

    /// Decodes a message's events and its batch's request context (empty for versions 1 and 2).
    package static func decodeBatch(_ bytes: [UInt8]) throws(CodecError) -> (events: [Event], context: IngestContext) {
        guard let first = bytes.first else { throw CodecError("message is empty") }
        switch first {
        case UInt8(ascii: "{"): return (try decodeJSONVersion1(bytes), IngestContext())
        case 2, UInt8(version):
            return try bytes.withUnsafeBufferPointer { buffer throws(CodecError) in
                var reader = MessageReader(buffer: buffer, index: 1)
                let context = first == 2 ? IngestContext() : try reader.context()
                return (try reader.events(), context)
            }
        default: throw CodecError("message version \(first) is not supported (this build reads versions 1 to \(version))")
        }
    }

    /// Bits of the context's `fields` byte, in the order the fields follow it.
    static let contextFieldBits: UInt8 = 0b1_1111

    static func appendContext(_ context: IngestContext, to bytes: inout [UInt8]) {
        let strings = [context.source, context.clientIP, context.userAgent, context.key]
        var fields: UInt8 = 0
        for (bit, string) in strings.enumerated() where string != nil { fields |= 1 << UInt8(bit) }
        if context.sentAt != nil { fields |= 1 << 4 }
        bytes.append(fields)
        for string in strings { if let string { appendString(string, to: &bytes) } }
        if let sentAt = context.sentAt { appendInt64(sentAt.microseconds, to: &bytes) }
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func appendString(_ string: String, to bytes: inout [UInt8]) {
        appendVarint(UInt64(string.utf8.count), to: &bytes)
        bytes.append(contentsOf: string.utf8)
    }

    static func appendInt64(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Reads a version 2 or 3 message; every read is bounds-checked, every string UTF-8-validated.
private struct MessageReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var index: Int

    /// The version 3 context: a fields byte, then the fields its bits name.
    mutating func context() throws(CodecError) -> IngestContext {
        let fields = try byte()
        guard fields & ~EventBatchCodec.contextFieldBits == 0 else { throw CodecError("context fields byte is \(fields); expected bits 0 to 4 only") }
        var strings: [String?] = []
        for bit in 0..<4 {
            do throws(CodecError) {
                strings.append(fields & (1 << UInt8(bit)) != 0 ? try string() : nil)
            } catch {
                throw CodecError("context: \(error.description)")
            }
        }
        let sentAt = fields & (1 << 4) != 0 ? Timestamp(microseconds: try int64()) : nil
        return IngestContext(source: strings[0], clientIP: strings[1], userAgent: strings[2], key: strings[3], sentAt: sentAt)
    }

    mutating func events() throws(CodecError) -> [Event] {
        let count = try varint("event count")
        // Each event takes at least 19 bytes: a count beyond that is a corrupt message, not
        // a reason to reserve gigabytes.
        guard count <= UInt64(buffer.count / 19) else { throw CodecError("message claims \(count) events in \(buffer.count) bytes") }
        var events: [Event] = []
        events.reserveCapacity(Int(count))
        for position in 0..<Int(count) {
            do throws(CodecError) {
                let eventID = try string()
                let eventName = try string()
                let userID = try string()
                let properties = try string()
                guard properties.utf8.first == UInt8(ascii: "{"), properties.utf8.last == UInt8(ascii: "}") else {
                    throw CodecError("properties are not a JSON object")
                }
                let timestamp = try int64()
                let sessionID: String?
                switch try byte() {
                case 0: sessionID = nil
                case 1: sessionID = try string()
                case let other: throw CodecError("session flag is \(other); expected 0 or 1")
                }
                let receivedAt = try int64()
                events.append(
                    Event(
                        eventID: eventID, eventName: eventName, userID: userID, propertiesJSON: properties, timestamp: Timestamp(microseconds: timestamp),
                        sessionID: sessionID, receivedAt: Timestamp(microseconds: receivedAt)))
            } catch {
                throw CodecError("events[\(position)]: \(error.description)")
            }
        }
        guard index == buffer.count else { throw CodecError("\(buffer.count - index) bytes after the last event") }
        return events
    }

    mutating func byte() throws(CodecError) -> UInt8 {
        guard index < buffer.count else { throw CodecError("message ends early at byte \(index)") }
        defer { index += 1 }
        return buffer[index]
    }

    mutating func varint(_ what: String) throws(CodecError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 63 || (shift == 63 && next <= 1) else { throw CodecError("\(what) is too large") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    mutating func string() throws(CodecError) -> String {
        let length = try varint("string length")
        guard length <= UInt64(buffer.count - index) else { throw CodecError("string of \(length) bytes runs past the end of the message") }
        let slice = UnsafeBufferPointer(rebasing: buffer[index..<index + Int(length)])
        index += Int(length)
        guard let text = String(validating: slice, as: UTF8.self) else { throw CodecError("string is not valid UTF-8") }
        return text
    }

    mutating func int64() throws(CodecError) -> Int64 {
        guard buffer.count - index >= 8 else { throw CodecError("message ends early at byte \(index)") }
        var value: UInt64 = 0
        for offset in (0..<8).reversed() { value = value << 8 | UInt64(buffer[index + offset]) }
        index += 8
        return Int64(bitPattern: value)
    }
}

/// A queue message that cannot be decoded.
package struct CodecError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
