// fuzz-segment: any bytes as a Segment JSON body through `SegmentFormat.decode(json:)`, the
// endpoint chosen by the first byte. A batch or an error; every message is either an event or
// a rejection, and every event carries the fields `validate` reads.

import FuzzSupport
import FuzzWireSupport
import PipelineKit
import WireFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegment(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    guard let selector = bytes.first else { return 0 }
    let endpoints = SegmentFormat.Endpoint.allCases
    let context = WireRequestContext(receivedAt: Timestamp(microseconds: 1_796_286_854_000_000), authorization: "Basic c2VnOg==")
    let endpoint = endpoints[Int(selector) % endpoints.count]
    guard let batch = try? SegmentFormat.decode(json: bytes.dropFirst(), endpoint: endpoint, context: context) else { return 0 }
    checkWireBatch(batch)
    return 0
}
