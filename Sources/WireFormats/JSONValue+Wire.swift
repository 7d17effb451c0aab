// JSONValue+Wire: the small readings the wire formats share: an id that may arrive as a
// string or a number, an object member, and a message's approximate JSON size.

import PipelineKit

extension JSONValue {
    /// An id's text: a non-empty string, or a number's literal (SDKs send numeric user ids);
    /// nil for anything else.
    var idText: String? {
        switch self {
        case .string(let text): text.isEmpty ? nil : text
        case .number(let number): number.literal
        default: nil
        }
    }

    /// The compact JSON length, escapes not counted: one walk, no text built. A message the
    /// SDK measured (with spaces after `:` and `,`) is never smaller than this.
    var approximateJSONSize: Int {
        switch self {
        case .null: 4
        case .bool(let flag): flag ? 4 : 5
        case .number(let number): number.literal.utf8.count
        case .string(let text): text.utf8.count + 2
        case .array(let items): items.reduce(1 + max(1, items.count)) { $0 + $1.approximateJSONSize }
        case .object(let object): object.members.reduce(1 + max(1, object.count)) { $0 + $1.key.utf8.count + 3 + $1.value.approximateJSONSize }
        }
    }

    /// Whether carrying this value over would add nothing (`null` or `{}`).
    var isNullOrEmptyObject: Bool {
        switch self {
        case .null: true
        case .object(let object): object.isEmpty
        default: false
        }
    }
}

extension JSONObject {
    /// Sets `key` only when the object does not have it yet (the sender's own value wins).
    mutating func setIfAbsent(_ key: String, _ value: JSONValue) {
        if self[key] == nil { self[key] = value }
    }

    /// The member `key` when it is an object.
    func object(_ key: String) -> JSONObject? { self[key]?.objectValue }
}
