// fuzz-codec: queue message bytes through the codec the worker decodes with. Any bytes
// decode or throw; what decodes re-encodes to a message that decodes to the same events.

import FuzzSupport
import PipelineKit

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCodec(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    guard let events = try? QueueMessage.decode(bytes) else { return 0 }
    let again: [Event]
    do { again = try QueueMessage.decode(QueueMessage.encode(events)) } catch { fatalError("codec rejects its own message: \(error)") }
    require(again == events, "decode(encode(events)) differs from events")
    require(again.map(\.propertiesJSON) == events.map(\.propertiesJSON), "properties text changed")
    return 0
}
