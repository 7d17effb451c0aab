// EnrichOperation: a step of an `enrich` list made ready to run (keys prepared, caches and
// databases open), and the one place that turns each configured step into its operation.

import Enrichment
import PipelineKit

/// A step ready to apply to one event at a time. Called concurrently from many requests:
/// an operation holds no per-call state (a cache it keeps is synchronized).
protocol EnrichOperation: Sendable {
    /// Edits `event`; `facts` is what is known of the request it came in.
    func apply(to event: inout Event, facts: inout RequestFacts)
}

/// What the steps derive from the request a batch came in, worked out once per batch: every
/// event of a request shares its client address and `User-Agent` header.
struct RequestFacts {
    /// The request, as the source described it.
    let context: IngestContext
    /// The client address, parsed.
    lazy var clientAddress: IPAddress? = context.clientIP.flatMap(IPAddress.init)
    /// `clientAddress` anonymized, as text.
    lazy var anonymizedClientIP: String? = clientAddress?.anonymized.description
    /// `"$ip":"<anonymizedClientIP>"`, rendered once for the batch.
    lazy var anonymizedClientIPMember: RenderedMembers? = anonymizedClientIP.map { RenderedMembers(["$ip": .string($0)]) }

    init(_ context: IngestContext) { self.context = context }
}

/// The operation of `step`.
func makeOperation(_ step: EnrichStageKind.Step) -> any EnrichOperation {
    switch step {
    case .set(let values): SetOperation(values: values)
    case .setDefault(let values): SetDefaultOperation(values: values)
    case .drop(let keys): DropOperation(keys: keys)
    case .rename(let pairs): MoveOperation(pairs: pairs, keepsSource: false)
    case .copy(let pairs): MoveOperation(pairs: pairs, keepsSource: true)
    case .keep(let keys): KeepOperation(keys: keys)
    case .lowercase(let targets): TextOperation(targets: targets) { $0.lowercased() }
    case .trim(let targets): TextOperation(targets: targets) { $0.trimmedOfWhitespace() }
    case .userAgent(let options): UserAgentOperation(options: options)
    case .url(let options): URLOperation(options: options)
    case .ip(let options): IPOperation(options: options)
    case .geoip(let options): GeoIPOperation(options: options)
    case .hash(let options): HashOperation(options: options)
    }
}

extension String {
    /// Without the whitespace and newlines at either end.
    func trimmedOfWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
