// JSONValue: the value type for event properties. Owns the in-memory shape of JSON;
// parsing lives in JSONParser.swift and writing in JSONWriter.swift.

/// A JSON value that keeps what the sender sent: key order, integers apart from floats (the
/// number's literal text is kept), `null`, and any Unicode.
///
/// Equality is structural and order-sensitive for objects, because the value is meant to be
/// written back exactly as it came.
public enum JSONValue: Sendable, Hashable {
    /// JSON `null`; distinct from an absent key.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its literal text.
    case number(JSONNumber)
    /// A string, any Unicode (escapes already decoded).
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, keys in the order sent.
    case object(JSONObject)
}

/// A JSON number kept as its literal text, so `1`, `1.0` and `12345678901234567890` all
/// round-trip exactly. Use `int64Value` / `doubleValue` to read it.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal as it appeared in the input (already checked against the JSON grammar).
    public let literal: String

    /// Wraps a literal that the caller guarantees is a valid JSON number.
    init(validatedLiteral: String) { self.literal = validatedLiteral }

    /// The decimal literal of `value`.
    public init(_ value: Int) { self.literal = String(value) }
    /// The decimal literal of `value`.
    public init(_ value: Int64) { self.literal = String(value) }
    /// A non-finite double has no JSON form; it becomes `0`.
    public init(_ value: Double) {
        self.literal = value.isFinite ? "\(value)" : "0"
    }

    /// True when the literal has no fraction and no exponent.
    public var isInteger: Bool { !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } }
    /// The value as `Int64`, or nil when the literal has a fraction or exponent or is out of range.
    public var int64Value: Int64? { isInteger ? Int64(literal) : nil }
    /// The value as the nearest `Double` (a literal beyond its range reads as infinity); precision
    /// beyond 53 bits is lost.
    public var doubleValue: Double { Double(literal) ?? 0 }
    /// The literal text, as written to JSON.
    public var description: String { literal }
}

/// A JSON object with its keys in the order they were sent. Lookups are linear, which beats
/// hashing for the ~10-key objects that events carry.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The members in order. A parsed object has unique keys (the last duplicate wins); one built
    /// with `init(_:)` keeps what it was given.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// The empty object `{}`.
    public init() { members = [] }
    /// An object with these members in this order, duplicates not removed.
    public init(_ members: [(key: String, value: JSONValue)]) { self.members = members }
    /// An object with the literal's members in source order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// Number of members.
    public var count: Int { members.count }
    /// True for `{}`.
    public var isEmpty: Bool { members.isEmpty }
    /// The keys in member order. Allocates an array.
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`; setting `nil` removes the key, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    /// Appends without checking for an existing key (the parser's fast path; the last
    /// duplicate wins on lookup through `subscript` only if the caller dedups first).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append((key: key, value: value))
    }

    /// Iterates `(key, value)` members in order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    /// Equal when both have the same keys with equal values in the same order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// Hashes the members in order, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}

extension JSONValue {
    /// The string, or nil when the value is not a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    /// The object, or nil when the value is not an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }
    /// The elements, or nil when the value is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    /// The boolean, or nil when the value is not `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    /// True only for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type's name, for error messages ("expected string, got number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Nesting depth: scalars are 0, `{}` and `[]` are 1.
    public var depth: Int {
        switch self {
        case .array(let items): 1 + (items.map(\.depth).max() ?? 0)
        case .object(let object): 1 + (object.members.map(\.value.depth).max() ?? 0)
        default: 0
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// An `.object` with the literal's members in source order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) })) }
    /// A `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A `.number` with the integer's decimal literal.
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    /// A `.number` with the double's shortest literal (`0` when not finite).
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    /// A `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `.null`.
    public init(nilLiteral: ()) { self = .null }
    /// An `.array` with the literal's elements.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
