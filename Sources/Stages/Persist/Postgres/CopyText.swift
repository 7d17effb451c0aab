// CopyText: rows for PostgreSQL's COPY … FROM STDIN (text format), for the staging table
// and for `events` itself. Owns the escaping and the timestamptz text; touches nothing else.

import PipelineKit
internal import PostgresNIO

/// PostgreSQL's COPY text format: tab-separated columns, newline-terminated rows, `\N` for
/// NULL, and backslash escapes for the four bytes that would break the framing.
enum CopyText {
    /// Which columns a row carries, in `PostgresStore`'s column order for that table.
    enum Layout {
        /// `incoming_events`: times as integer microseconds, converted by the INSERT.
        case staging
        /// `events` itself: times as timestamptz text (`2024-05-06 07:08:09.123456+00`).
        case events
    }

    /// The times PostgreSQL reads from `YYYY-…` text without an era, 0001-01-01 to the end of
    /// 9999, in microseconds (year 0 would need `BC`).
    static let plainYears: Range<Int64> = -62_135_596_800_000_000..<253_402_300_800_000_000

    /// Whether `event` can go into `events` with `Layout.events`.
    static func fitsEventsTable(_ event: Event) -> Bool {
        plainYears.contains(event.timestamp.microseconds) && plainYears.contains(event.receivedAt.microseconds)
    }

    static func append(row event: Event, layout: Layout, to buffer: inout ByteBuffer) {
        field(event.eventID, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        field(event.eventName, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        field(event.userID, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        field(event.propertiesJSON, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        time(event.timestamp, layout: layout, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let session = event.sessionID { field(session, to: &buffer) } else { buffer.writeStaticString("\\N") }
        buffer.writeInteger(UInt8(ascii: "\t"))
        time(event.receivedAt, layout: layout, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    static func time(_ time: Timestamp, layout: Layout, to buffer: inout ByteBuffer) {
        switch layout {
        case .staging:
            buffer.writeString(String(time.microseconds))
        case .events:
            let f = time.utcFields
            let parts: [(value: Int64, width: Int, then: UInt8)] = [
                (f.year, 4, UInt8(ascii: "-")), (f.month, 2, UInt8(ascii: "-")), (f.day, 2, UInt8(ascii: " ")),
                (f.hour, 2, UInt8(ascii: ":")), (f.minute, 2, UInt8(ascii: ":")), (f.second, 2, UInt8(ascii: ".")),
            ]
            for part in parts {
                digits(part.value, part.width, to: &buffer)
                buffer.writeInteger(part.then)
            }
            digits(f.microsecond, 6, to: &buffer)
            buffer.writeStaticString("+00")
        }
    }

    /// `value` (0 ≤ value < 10^width) in exactly `width` decimal digits.
    static func digits(_ value: Int64, _ width: Int, to buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: width) { bytes in
            var rest = value
            for index in stride(from: width - 1, through: 0, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            return width
        }
    }

    /// The rows in buffers of about 1 MiB each.
    static func encode(_ events: ArraySlice<Event>, layout: Layout) -> [ByteBuffer] {
        var chunks: [ByteBuffer] = []
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1 << 20)
        for event in events {
            append(row: event, layout: layout, to: &buffer)
            if buffer.readableBytes >= 1 << 20 {
                chunks.append(buffer)
                buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 20)
            }
        }
        if buffer.readableBytes > 0 { chunks.append(buffer) }
        return chunks
    }

    /// Copies runs without special bytes in one go (JSON text is full of backslashes).
    static func field(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (position, byte) in bytes.enumerated() {
                let escaped: StaticString
                switch byte {
                case UInt8(ascii: "\\"): escaped = "\\\\"
                case UInt8(ascii: "\t"): escaped = "\\t"
                case UInt8(ascii: "\n"): escaped = "\\n"
                case UInt8(ascii: "\r"): escaped = "\\r"
                default: continue
                }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<position]))
                buffer.writeStaticString(escaped)
                start = position + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
        }
    }
}
