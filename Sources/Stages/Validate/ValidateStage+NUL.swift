// The one string policy on the ingest path (StringPolicy): NUL refused in ids and names,
// replaced by U+FFFD in property keys and values. Owns finding NUL cheaply and replacing it.

import Foundation
import Metrics
import PipelineKit

extension ValidateStage {
    static func nulFailure(_ field: String) -> ItemFailure {
        ItemFailure(field: field, "must not contain U+0000 (NUL): no store keeps it; expected text without it")
    }

    static func countReplaced(_ count: Int) {
        Counter(label: "smolhog_validate_nul_replaced_total").increment(by: count)
    }

    /// The properties with every U+0000 in keys and string values replaced by U+FFFD, when
    /// the JSON text has any (`\u0000` is the only way JSON carries one); nil when it has none,
    /// which a scan for backslashes tells without parsing.
    static func replacingNUL(inJSON text: String) -> JSONObject? {
        guard Self.mayEscapeNUL(text) else { return nil }
        guard let (cleaned, count) = (try? JSONParser.parse(text))?.replacingNUL(), count > 0 else { return nil }
        countReplaced(count)
        return cleaned.objectValue
    }

    /// Whether `text` holds `\u0000` (also where the backslash is itself escaped: the parse
    /// that follows decides).
    static func mayEscapeNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            var at = 0
            while at + 6 <= bytes.count, let hit = memchr(base + at, 0x5C, bytes.count - at) {
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if index + 6 <= bytes.count, bytes[index + 1] == 0x75, bytes[index + 2] == 0x30, bytes[index + 3] == 0x30, bytes[index + 4] == 0x30,
                    bytes[index + 5] == 0x30
                {
                    return true
                }
                at = index + 1
            }
            return false
        }
    }
}

extension JSONValue {
    /// This value with U+0000 in every key and string replaced by U+FFFD, and how many were
    /// replaced; nil when there were none (nothing is copied then).
    func replacingNUL() -> (JSONValue, Int)? {
        switch self {
        case .string(let text):
            guard text.containsNUL else { return nil }
            let count = text.unicodeScalars.filter { $0 == "\u{0}" }.count
            return (.string(text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")), count)
        case .array(let items):
            var total = 0
            var copy = items
            for index in items.indices {
                if let (cleaned, count) = items[index].replacingNUL() {
                    copy[index] = cleaned
                    total += count
                }
            }
            return total > 0 ? (.array(copy), total) : nil
        case .object(let object):
            var total = 0
            var members = object.members
            for index in members.indices {
                let key = members[index].key
                if key.containsNUL {
                    members[index].key = key.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
                    total += key.unicodeScalars.filter { $0 == "\u{0}" }.count
                }
                if let (cleaned, count) = members[index].value.replacingNUL() {
                    members[index].value = cleaned
                    total += count
                }
            }
            return total > 0 ? (.object(JSONObject(members)), total) : nil
        case .null, .bool, .number: return nil
        }
    }
}
