// Event, a few top-level properties read and added while the properties stay JSON text:
// what enrichment steps do to every event of the ingest path (read `$current_url`, add
// `$browser` where the SDK did not) without parsing the whole object and writing it back.

/// Top-level property keys prepared once (their UTF-8 bytes) for `Event.propertyValues(_:)`,
/// so the per-event call builds nothing for the keys.
public struct PropertyKeyList: Sendable, Hashable {
    /// The keys, in the order `propertyValues` answers them.
    public let keys: [String]
    let bytes: [[UInt8]]

    /// The keys to look up, in answer order.
    public init(_ keys: [String]) {
        self.keys = keys
        bytes = keys.map { Array($0.utf8) }
    }
}

extension Event {
    /// For each key of `list`, the value of that top-level property, or nil when the event
    /// has none (a `null` value is `.null`). Cost: nothing when the properties' key sketch
    /// rules every key out; else one walk over the text that parses only the values asked
    /// for (a tree already parsed is read directly).
    public func propertyValues(_ list: PropertyKeyList) -> [JSONValue?] {
        switch propertiesStorage {
        case .object(let object):
            return list.keys.map { object[$0] }
        case .json(let text, let keys):
            if let keys, !list.bytes.contains(where: keys.mayContain) { return Array(repeating: nil, count: list.keys.count) }
            return JSONParser.memberValues(ofValidatedObject: text, keys: list.bytes) ?? properties.valuesFor(list.keys)
        }
    }

    /// Adds each member of `members` whose key the properties do not have yet; a key the
    /// event already has keeps its value (what an SDK set wins over what is derived). Text
    /// properties stay text: the new members are written after the existing ones, which are
    /// copied as they are, not parsed.
    public mutating func addProperties(ifAbsent members: JSONObject) {
        guard !members.isEmpty else { return }
        switch propertiesStorage {
        case .object(let object):
            propertiesStorage = .object(object.addingAbsent(members))
        case .json(let text, let keys):
            let sketch = keys ?? PropertyKeySketch.all
            let candidates = members.keys.filter { sketch.mayContain(Array($0.utf8)) }
            var fresh = members
            if !candidates.isEmpty {
                guard let present = JSONParser.memberValues(ofValidatedObject: text, keys: candidates.map { Array($0.utf8) }) else {
                    properties = properties.addingAbsent(members)
                    return
                }
                for (key, value) in zip(candidates, present) where value != nil { fresh[key] = nil }
            }
            appendProperties(knownAbsent: fresh)
        }
    }
}

extension Event {
    /// False when the event surely has no top-level property `key` (the parser's sketch of
    /// its keys rules it out, or the parsed object lacks it); true when it may have one.
    package func mayHavePropertyKey(_ key: String) -> Bool {
        switch propertiesStorage {
        case .object(let object): object[key] != nil
        case .json(_, let keys): keys?.mayContain(key: key) ?? true
        }
    }
}

extension JSONObject {
    fileprivate func valuesFor(_ keys: [String]) -> [JSONValue?] { keys.map { self[$0] } }

    fileprivate func addingAbsent(_ members: JSONObject) -> JSONObject {
        var object = self
        for member in members where object[member.key] == nil { object[member.key] = member.value }
        return object
    }
}

extension PropertyKeySketch {
    /// A sketch that may contain every key (for text whose keys were not noted).
    static var all: PropertyKeySketch {
        var sketch = PropertyKeySketch()
        sketch.setAll()
        return sketch
    }
}

extension Event {
    /// Adds `members`, which the caller has just seen to be absent (`propertyValues` answered
    /// nil for each key): the check of `addProperties(ifAbsent:)` without its second walk.
    /// A key that is present after all ends up twice in the text, where the last one wins.
    package mutating func appendProperties(knownAbsent parts: [RenderedMembers]) {
        switch propertiesStorage {
        case .object(let object):
            var added = object
            for part in parts { added = added.addingAbsent(part.members) }
            propertiesStorage = .object(added)
        case .json(let text, let keys):
            let spliced = RawJSONObject(validatedText: text, depth: 0, keys: keys ?? .all).appending(rendered: parts)
            propertiesStorage = .json(spliced.text, keys: keys == nil ? nil : spliced.keys)
        }
    }

    /// `appendProperties(knownAbsent:)` for members not rendered yet.
    package mutating func appendProperties(knownAbsent members: JSONObject) {
        guard !members.isEmpty else { return }
        switch propertiesStorage {
        case .object(let object):
            propertiesStorage = .object(object.addingAbsent(members))
        case .json(let text, let keys):
            let spliced = RawJSONObject(validatedText: text, depth: 0, keys: keys ?? .all).appending(members)
            propertiesStorage = .json(spliced.text, keys: keys == nil ? nil : spliced.keys)
        }
    }
}
