// JSONWriter: JSONValue → UTF-8 bytes. Owns escaping; writes non-ASCII as UTF-8 (not \u),
// so Unicode round-trips as the same characters the sender meant.

/// Appends JSON text to a byte array. Used for HTTP answers, queue messages and stored
/// properties; one writer can serialize many values into one buffer without copies.
package struct JSONWriter: Sendable {
    package private(set) var bytes: [UInt8]

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let flag): appendASCII(flag ? "true" : "false")
        case .number(let number): writeRaw(number.literal)
        case .string(let string): write(string: string)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object): write(object: object)
        }
    }

    package mutating func write(object: JSONObject) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for member in object {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            write(string: member.key)
            bytes.append(UInt8(ascii: ":"))
            write(member.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    package mutating func write(string: String) {
        var string = string
        // Through the contiguous bytes: the UTF-8 view's iterator costs a call per byte.
        string.withUTF8 { write(stringBytes: $0) }
    }

    private mutating func write(stringBytes raw: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them in one go.
        if !raw.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: raw)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in raw {
            switch byte {
            case UInt8(ascii: "\""): appendASCII("\\\"")
            case UInt8(ascii: "\\"): appendASCII("\\\\")
            case 0x0A: appendASCII("\\n")
            case 0x0D: appendASCII("\\r")
            case 0x09: appendASCII("\\t")
            case 0x08: appendASCII("\\b")
            case 0x0C: appendASCII("\\f")
            case 0..<0x20:
                appendASCII("\\u00")
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0xF))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends raw bytes that the caller knows to be valid JSON (a pre-serialized value).
    package mutating func writeRaw(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }
    package mutating func writeRaw(_ raw: String) {
        var raw = raw
        raw.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension JSONValue {
    /// The value as compact JSON text: no whitespace, keys in member order, non-ASCII as
    /// UTF-8. Cost: one pass over the value.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSONObject {
    /// The object as compact JSON text, keys in member order.
    public var jsonText: String { JSONValue.object(self).jsonText }
}
