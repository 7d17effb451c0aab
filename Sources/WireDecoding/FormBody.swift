// FormBody: one field of an `application/x-www-form-urlencoded` text (a request body or a URL's
// query), percent-decoded: how posthog-js sends `data=<base64>` and `compression=lz64`.

/// Reads fields of form-encoded text.
public enum FormBody {
    /// The percent-decoded value of the first field named `name` in `text` (`a=1&name=v`),
    /// `+` read as a space; nil when there is no such field (a field without `=` has the empty
    /// value). `malformed` for a `%` not followed by two hex digits. Cost: one pass; the
    /// value is never longer than the text.
    public static func field(_ name: String, in text: some Collection<UInt8>) throws(WireDecodingError) -> [UInt8]? {
        let result = text.withContiguousStorageIfAvailable { field(Array(name.utf8), in: $0) }
        return try (result ?? Array(text).withUnsafeBufferPointer { field(Array(name.utf8), in: $0) }).get()
    }

    /// The value of the field `name` in a URL's query text, as a string (invalid UTF-8
    /// repaired), or nil when absent or not decodable.
    public static func queryValue(_ name: String, in query: String?) -> String? {
        guard let query, let value = try? field(name, in: Array(query.utf8)) else { return nil }
        return String(decoding: value, as: UTF8.self)
    }

    static func field(_ name: [UInt8], in text: UnsafeBufferPointer<UInt8>) -> Result<[UInt8]?, WireDecodingError> {
        var start = 0
        while start <= text.count {
            var end = start
            while end < text.count, text[end] != UInt8(ascii: "&") { end += 1 }
            var equals = start
            while equals < end, text[equals] != UInt8(ascii: "=") { equals += 1 }
            let key = UnsafeBufferPointer(rebasing: text[start..<equals])
            if key.elementsEqual(name) {
                let valueStart = min(equals + 1, end)
                return percentDecoded(UnsafeBufferPointer(rebasing: text[valueStart..<end]), offset: valueStart).map { $0 }
            }
            start = end + 1
        }
        return .success(nil)
    }

    static func percentDecoded(_ value: UnsafeBufferPointer<UInt8>, offset: Int) -> Result<[UInt8], WireDecodingError> {
        var output: [UInt8] = []
        output.reserveCapacity(value.count)
        var index = 0
        while index < value.count {
            let byte = value[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < value.count, let high = hex(value[index + 1]), let low = hex(value[index + 2]) else {
                    return .failure(
                        WireDecodingError(.malformed, "form field: '%' at offset \(offset + index) is not followed by two hex digits; expected %XX"))
                }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return .success(output)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
