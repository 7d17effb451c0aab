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
            // `YYYY-MM-DD hh:mm:ss.ffffff+00`, written in place: 29 bytes.
            let f = time.utcFields
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 29) { bytes in
                var at = 0
                func put(_ value: Int64, _ width: Int, then separator: UInt8?) {
                    var rest = value
                    for index in stride(from: at + width - 1, through: at, by: -1) {
                        bytes[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                        rest /= 10
                    }
                    at += width
                    if let separator {
                        bytes[at] = separator
                        at += 1
                    }
                }
                put(f.year, 4, then: UInt8(ascii: "-"))
                put(f.month, 2, then: UInt8(ascii: "-"))
                put(f.day, 2, then: UInt8(ascii: " "))
                put(f.hour, 2, then: UInt8(ascii: ":"))
                put(f.minute, 2, then: UInt8(ascii: ":"))
                put(f.second, 2, then: UInt8(ascii: "."))
                put(f.microsecond, 6, then: UInt8(ascii: "+"))
                put(0, 2, then: nil)
                return at
            }
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

    /// Copies runs without special bytes in one go (JSON text is full of backslashes), and
    /// steps over plain text eight bytes at a time.
    static func field(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            func escape(at position: Int) {
                let escaped: StaticString
                switch bytes[position] {
                case UInt8(ascii: "\\"): escaped = "\\\\"
                case UInt8(ascii: "\t"): escaped = "\\t"
                case UInt8(ascii: "\n"): escaped = "\\n"
                case UInt8(ascii: "\r"): escaped = "\\r"
                default: return
                }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<position]))
                buffer.writeStaticString(escaped)
                start = position + 1
            }
            var position = 0
            while position < bytes.count {
                if let word = ByteScan.word(bytes, at: position) {
                    if mayNeedEscape(word) { for index in position..<position + 8 { escape(at: index) } }
                    position += 8
                } else {
                    escape(at: position)
                    position += 1
                }
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
        }
    }

    /// Whether a byte of `word` may be one that `field` escapes: a backslash, or a byte below
    /// 0x0E (tab, newline and carriage return are 0x09, 0x0A, 0x0D).
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        ByteScan.hasByte(below: 0x0E, in: word) || ByteScan.hasByte(UInt8(ascii: "\\"), in: word)
    }
}
