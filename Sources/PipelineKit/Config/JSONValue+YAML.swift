// Lets stage configs hold arbitrary JSON values written in YAML (`set: {plan: pro}`), keeping
// YAML's scalar types: plain `42` is an integer, `"42"` a string.

internal import Yams

extension JSONValue: Decodable {
    /// Decodes a stage config value. From YAML, keeps YAML's scalar types: plain `42` is a
    /// number, quoted `"42"` a string, `~` null, and mappings keep their key order; an alias
    /// reads as null. From other decoders, objects come out with keys sorted.
    public init(from decoder: any Decoder) throws {
        if let nodeDecoder = decoder as? NodeDecoder {
            self = JSONValue(yaml: nodeDecoder.node)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let integer = try? container.decode(Int64.self) {
            self = .number(JSONNumber(integer))
        } else if let double = try? container.decode(Double.self) {
            self = .number(JSONNumber(double))
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            let dictionary = try container.decode([String: JSONValue].self)
            self = .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
        }
    }

    init(yaml node: Node) {
        switch node {
        case .scalar(let scalar):
            if node.isNullScalar { self = .null; return }
            guard scalar.style == .plain else { self = .string(scalar.string); return }
            if let flag = Bool.construct(from: scalar) {
                self = .bool(flag)
            } else if let integer = Int64(scalar.string) {
                self = .number(JSONNumber(integer))
            } else if let double = Double.construct(from: scalar), double.isFinite {
                self = .number(JSONNumber(double))
            } else {
                self = .string(scalar.string)
            }
        case .mapping(let mapping):
            self = .object(JSONObject(mapping.map { (key: $0.key.string ?? "", value: JSONValue(yaml: $0.value)) }))
        case .sequence(let sequence):
            self = .array(sequence.map { JSONValue(yaml: $0) })
        case .alias:
            self = .null
        }
    }
}
