// The `ip` step: the client address kept as `$ip`, anonymized, or left out.

import Enrichment
import PipelineKit

/// Writes `$ip` as `IPOptions.Mode` says. The address is the event's own `$ip` when it holds
/// one (a server-side SDK forwarding its user's), else the request's client address.
struct IPOperation: EnrichOperation {
    static let key = "$ip"
    let mode: EnrichStageKind.Step.IPOptions.Mode
    let keys = PropertyKeyList([IPOperation.key])

    init(options: EnrichStageKind.Step.IPOptions) { mode = options.mode }

    func apply(to event: inout Event, context: IngestContext) {
        let sent = event.propertyValues(keys)[0]
        switch mode {
        case .omit:
            guard sent != nil else { return }
            event.updateProperties { $0[Self.key] = nil }
        case .keep:
            guard sent == nil, let client = context.clientIP else { return }
            event.appendProperties(knownAbsent: [Self.key: .string(client)])
        case .anonymize:
            let address = sent?.stringValue.flatMap(IPAddress.init) ?? (sent == nil ? context.clientIP.flatMap(IPAddress.init) : nil)
            guard let address else {
                // A `$ip` that is no address is removed rather than stored unchecked.
                if sent != nil { event.updateProperties { $0[Self.key] = nil } }
                return
            }
            let value = JSONValue.string(address.anonymized.description)
            if sent == nil {
                event.appendProperties(knownAbsent: [Self.key: value])
            } else if sent != value {
                event.updateProperties { $0[Self.key] = value }
            }
        }
    }
}
