// The `hash` step: named property values (and optionally the user id) replaced by their
// HMAC-SHA256 under a secret, so the same person keeps one pseudonym everywhere.

import Enrichment
import PipelineKit

/// Replaces each named property's value with the hex HMAC of its text (a string as it is,
/// another value as its JSON text; `null` stays `null`), and `user_id` when asked.
struct HashOperation: EnrichOperation {
    let properties: [String]
    let keys: [[UInt8]]
    let userID: Bool
    let hasher: KeyedHash

    init(options: EnrichStageKind.Step.HashOptions) {
        properties = options.properties
        keys = options.properties.map { Array($0.utf8) }
        userID = options.userID
        hasher = options.hasher
    }

    func apply(to event: inout Event, facts: inout RequestFacts) {
        if userID { event.userID = hasher.hash(event.userID) }
        guard !keys.isEmpty, event.hasPropertyKey(among: keys) else { return }
        event.updateProperties { object in
            for key in properties {
                guard let value = object[key] else { continue }
                switch value {
                case .null: continue
                case .string(let text): object[key] = .string(hasher.hash(text))
                default: object[key] = .string(hasher.hash(value.jsonText))
                }
            }
        }
    }
}
