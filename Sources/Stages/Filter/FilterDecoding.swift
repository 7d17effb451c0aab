// What decoding a `filter` config collects besides the rules: every problem at its path (all
// reported at once by `check`), and the top-level property keys the conditions read.

import PipelineKit

/// State shared by the decoding of one `filter` config. Decoding records a problem and goes
/// on, so `check-config` reports every mistake of the list at once; only a value of the
/// wrong shape for the decoder itself stops it.
struct FilterDecoding {
    /// Each problem with the path of its node below the stage's config (`[1]`, `drop_if`, `regex`).
    var problems: [ConfigProblem] = []
    /// The top-level property keys the conditions read, each once; a path's slot is its first
    /// key's index here (what `Event.propertyValues(forKeys:)` is asked for).
    var propertyKeys: [String] = []
    /// Rule names taken so far, with the index of the rule that took each.
    var names: [String: Int] = [:]

    /// Records `message` at the node `decoder` reads.
    mutating func problem(at decoder: any Decoder, _ message: String) {
        problems.append(ConfigProblem(path: Self.path(decoder.codingPath), message))
    }

    /// The mapping at `decoder` and which of `Key`'s keys it has; nil after recording that a
    /// mapping, `expected`, was wanted instead.
    mutating func mapping<Key: CodingKey & CaseIterable>(
        at decoder: any Decoder, _ keys: Key.Type, expected: String
    ) throws -> (container: KeyedDecodingContainer<Key>, present: [Key])? {
        let whole = try JSONValue(from: decoder)
        guard case .object = whole else {
            problem(at: decoder, "\(expected), got \(whole.shown)")
            return nil
        }
        let container = try decoder.container(keyedBy: Key.self)
        return (container, container.presentKeys(Key.allCases))
    }

    /// The slot of the top-level property `key`, added when it is new.
    mutating func slot(of key: String) -> Int {
        if let slot = propertyKeys.firstIndex(of: key) { return slot }
        propertyKeys.append(key)
        return propertyKeys.count - 1
    }

    /// A coding path as `ConfigProblem.path` spells it: list items as `[N]`.
    static func path(_ codingPath: [any CodingKey]) -> [String] {
        codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
    }
}

extension KeyedDecodingContainer {
    /// The keys of `keys` the mapping has (a key with a null value counts). Asking for each
    /// makes the strict decoder report every other key as unknown, with "did you mean".
    func presentKeys(_ keys: some Sequence<Key>) -> [Key] {
        keys.filter { contains($0) }
    }

    /// The value at `key` as JSON (YAML's types kept: `404` is a number, `"404"` a string),
    /// and a decoder at it to record problems at its place.
    func valueAndDecoder(_ key: Key) throws -> (value: JSONValue, decoder: any Decoder) {
        let child = try superDecoder(forKey: key)
        return (try JSONValue(from: child), child)
    }
}

extension JSONValue {
    /// The value as a config message shows it: `'text'`, `12`, `true`, `null`, `a list`, `a mapping`.
    var shown: String {
        switch self {
        case .string(let text): "'\(text)'"
        case .number(let number): number.literal
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array(let items): items.isEmpty ? "an empty list" : "a list"
        case .object: "a mapping"
        }
    }
}
