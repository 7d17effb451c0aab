// JSONParser: bytes → JSONValue, the entry points. The grammar (RFC 8259) and the error
// positions live in ByteReader; it works on raw UTF-8 bytes and builds no intermediate tree.
// Cross-checked against JSONSerialization by randomized tests; the ingest path uses the
// event-array form (JSONParser+Events.swift), which leaves properties as text.

/// Why a body is not JSON, and where: the byte offset and the 1-based line and column.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and what was expected (`unterminated string`, `nesting deeper than 64 levels`).
    public var reason: String
    /// 0-based byte offset in the input where the error was found.
    public var offset: Int
    /// 1-based line of `offset`.
    public var line: Int
    /// 1-based column of `offset`, counted in Unicode scalars (not bytes).
    public var column: Int
    /// Set when parsing stopped at an events array with more items than this limit
    /// (`parseEventArray`'s `maxItems`): the request is too large, not malformed.
    package var itemLimit: Int?
    /// Set when the document holds more values than `JSONParserLimits.maxValues`: the
    /// request is too large, not malformed.
    package var valueLimit: Int?
    /// `REASON at line L, column C (byte OFFSET)`, for error responses and logs.
    public var description: String { "\(reason) at line \(line), column \(column) (byte \(offset))" }
}

/// Limits that keep a hostile body from costing unbounded stack or memory.
public struct JSONParserLimits: Sendable {
    /// Deepest nesting accepted; deeper input is an error, not a stack overflow.
    public var maxDepth: Int
    /// Most values (of any type, at any depth) one parse builds; more is an error. A value
    /// costs about 24 bytes of tree, however few bytes of input it takes (`0,` is two), so
    /// this bounds the memory of a parse where the input's size does not.
    public var maxValues: Int
    /// Limits for one parse; `maxDepth` counts arrays and objects, 64 by default; no limit on values by default.
    public init(maxDepth: Int = 64, maxValues: Int = .max) {
        self.maxDepth = maxDepth
        self.maxValues = maxValues
    }
}

/// RFC 8259 JSON parsing from UTF-8 bytes into `JSONValue`, with error positions. Cost: one
/// pass over the input; no Foundation.
public enum JSONParser {
    /// Parses one JSON document; trailing non-space bytes are an error.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONParserLimits = .init()) throws(JSONParseError) -> JSONValue {
        try document(bytes, limits: limits) { reader throws(ByteReader.Failure) in try reader.parseValue(depth: 0) }
    }

    /// Parses one JSON document from a string's UTF-8; as `parse(_:limits:)` on bytes.
    public static func parse(_ text: String, limits: JSONParserLimits = .init()) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in
            document(buffer, limits: limits) { reader throws(ByteReader.Failure) in try reader.parseValue(depth: 0) }
        }
        return try result.get()
    }

    /// The keys of the object `text` holds, in order and with duplicates, without building
    /// its values (they are only checked). Fails as `parse` does; a non-object has no keys.
    package static func memberKeys(ofObject text: String, limits: JSONParserLimits = .init()) throws(JSONParseError) -> [String] {
        var text = text
        let result = text.withUTF8 { buffer in
            document(buffer, limits: limits) { reader throws(ByteReader.Failure) -> [String] in
                guard reader.next == UInt8(ascii: "{") else {
                    _ = try reader.parseValue(depth: 0)
                    return []
                }
                var keys: [String] = []
                _ = try reader.parseObject(depth: 1) { key, reader throws(ByteReader.Failure) in
                    keys.append(key)
                    var counted = CompactText(keeps: false)
                    _ = try reader.skipValue(depth: 1, into: &counted)
                    return true
                }
                return keys
            }
        }
        return try result.get()
    }

    /// Runs `read` over the bytes as one document: leading and trailing whitespace allowed,
    /// anything else after the value an error, failures located by line and column.
    static func document<Value>(
        _ bytes: some Collection<UInt8>, limits: JSONParserLimits, _ read: (inout ByteReader) throws(ByteReader.Failure) -> Value
    ) throws(JSONParseError) -> Value {
        let result = bytes.withContiguousStorageIfAvailable { document($0, limits: limits, read) }
        return try (result ?? Array(bytes).withUnsafeBufferPointer { document($0, limits: limits, read) }).get()
    }

    static func document<Value>(
        _ buffer: UnsafeBufferPointer<UInt8>, limits: JSONParserLimits, _ read: (inout ByteReader) throws(ByteReader.Failure) -> Value
    ) -> Result<Value, JSONParseError> {
        var reader = ByteReader(buffer: buffer, maxDepth: limits.maxDepth, maxValues: limits.maxValues)
        do throws(ByteReader.Failure) {
            reader.skipWhitespace()
            let value = try read(&reader)
            reader.skipWhitespace()
            if reader.index < buffer.count { throw reader.error("unexpected content after the JSON value") }
            return .success(value)
        } catch {
            return .failure(reader.locate(error))
        }
    }
}
