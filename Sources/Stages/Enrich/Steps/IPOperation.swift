// The `ip` step: the client address kept as `$ip`, anonymized, or left out.

import Enrichment
import PipelineKit

/// Writes `$ip` as `IPOptions.Mode` says. The address is the event's own `$ip` when it holds
/// one (a server-side SDK forwarding its user's), else the request's client address.
struct IPOperation: DerivingOperation {
    let mode: EnrichStageKind.Step.IPOptions.Mode
    let reads = ["$ip"]

    init(options: EnrichStageKind.Step.IPOptions) { mode = options.mode }

    func derive(_ derivation: inout Derivation, base: Int, facts: inout RequestFacts) {
        let sent = derivation.value(base)
        switch mode {
        case .omit:
            if sent != nil { derivation.remove(base) }
        case .keep:
            if sent == nil, let client = facts.context.clientIP { derivation.set(base, .string(client)) }
        case .anonymize:
            guard let sent else {
                if let client = facts.anonymizedClientIP { derivation.set(base, .string(client)) }
                return
            }
            // A `$ip` that is no address is removed rather than stored unchecked.
            guard let address = sent.stringValue.flatMap(IPAddress.init) else { return derivation.remove(base) }
            let anonymized = JSONValue.string(address.anonymized.description)
            if anonymized != sent { derivation.set(base, anonymized) }
        }
    }
}
