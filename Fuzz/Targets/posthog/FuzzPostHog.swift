// fuzz-posthog: any bytes as a PostHog JSON body through `PostHogFormat.decode(json:)`, v0 or
// v1 by the first byte. A batch or an error; every message is either an event or a rejection,
// and every event carries the fields `validate` reads.

import FuzzSupport
import FuzzWireSupport
import PipelineKit
import WireFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostHog(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    guard let selector = bytes.first else { return 0 }
    let context = WireRequestContext(receivedAt: Timestamp(microseconds: 1_796_286_854_000_000), authorization: "Bearer phc_fuzz", query: "_=1796286853486")
    guard let batch = try? PostHogFormat.decode(json: bytes.dropFirst(), version: selector & 1 == 0 ? .v0 : .v1, context: context) else { return 0 }
    checkWireBatch(batch)
    return 0
}
