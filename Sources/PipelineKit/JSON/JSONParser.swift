// JSONParser: bytes → JSONValue, the entry points. The grammar (RFC 8259) and the error
// positions live in ByteReader; it works on raw UTF-8 bytes and builds no intermediate tree.
// Cross-checked against JSONSerialization by randomized tests; the ingest path uses the
// event-array form (JSONParser+Events.swift), which leaves properties as text.

/// Why a body is not JSON, and where: the byte offset and the 1-based line and column.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    public var line: Int
    public var column: Int
    public var description: String { "\(reason) at line \(line), column \(column) (byte \(offset))" }
}

/// Limits that keep a hostile body from costing unbounded stack or memory.
public struct JSONParserLimits: Sendable {
    /// Deepest nesting accepted; deeper input is an error, not a stack overflow.
    public var maxDepth: Int
    public init(maxDepth: Int = 64) { self.maxDepth = maxDepth }
}

public enum JSONParser {
    /// Parses one JSON document; trailing non-space bytes are an error.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONParserLimits = .init()) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            parseBuffer(buffer, limits: limits)
        }
        switch result ?? Array(bytes).withUnsafeBufferPointer({ parseBuffer($0, limits: limits) }) {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    public static func parse(_ text: String, limits: JSONParserLimits = .init()) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { parseBuffer($0, limits: limits) }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    static func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONParserLimits) -> Result<JSONValue, JSONParseError> {
        var reader = ByteReader(buffer: buffer, maxDepth: limits.maxDepth)
        do {
            reader.skipWhitespace()
            let value = try reader.parseValue(depth: 0)
            reader.skipWhitespace()
            if reader.index < buffer.count { throw reader.error("unexpected content after the JSON value") }
            return .success(value)
        } catch let failure as ByteReader.Failure {
            return .failure(reader.locate(failure))
        } catch {
            return .failure(JSONParseError(reason: "\(error)", offset: 0, line: 1, column: 1))
        }
    }
}
