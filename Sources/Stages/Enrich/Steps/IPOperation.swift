// The `ip` step: the client address kept as `$ip`, anonymized, or left out, and the address
// a Segment SDK puts in `context.ip` treated the same way.

import Enrichment
import PipelineKit

/// Writes `$ip` as `IPOptions.Mode` says. The address is the event's own `$ip` when it holds
/// one, else `context.ip` (what Segment's server-side SDKs forward for their user), else the
/// request's client address. With `anonymize` or `omit`, a `context.ip` is anonymized or
/// removed too, so the whole address is stored nowhere.
struct IPOperation: DerivingOperation {
    let mode: EnrichStageKind.Step.IPOptions.Mode
    let reads = ["$ip", "context"]

    init(options: EnrichStageKind.Step.IPOptions) { mode = options.mode }

    func derive(_ derivation: inout Derivation, base: Int, facts: inout RequestFacts) {
        let sent = derivation.value(base)
        let context = derivation.value(base + 1)?.objectValue
        let contextIP = context?["ip"]
        switch mode {
        case .keep:
            guard sent == nil, let address = contextIP?.stringValue ?? facts.context.clientIP else { return }
            derivation.set(base, .string(address))
        case .omit:
            if sent != nil { derivation.remove(base) }
            if var context, contextIP != nil {
                context["ip"] = nil
                derivation.set(base + 1, .object(context))
            }
        case .anonymize:
            let anonymizedContextIP = contextIP?.stringValue.flatMap(IPAddress.init).map { JSONValue.string($0.anonymized.description) }
            if var context, let contextIP, anonymizedContextIP != contextIP {
                // One that is no address is removed rather than stored unchecked.
                context["ip"] = anonymizedContextIP
                derivation.set(base + 1, .object(context))
            }
            guard let sent else {
                if let value = anonymizedContextIP {
                    derivation.set(base, value)
                } else if let member = facts.anonymizedClientIPMember {
                    derivation.add(rendered: member, slots: CollectionOfOne(base))
                }
                return
            }
            guard let address = sent.stringValue.flatMap(IPAddress.init) else { return derivation.remove(base) }
            let anonymized = JSONValue.string(address.anonymized.description)
            if anonymized != sent { derivation.set(base, anonymized) }
        }
    }
}
