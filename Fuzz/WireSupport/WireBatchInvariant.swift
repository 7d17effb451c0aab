// WireBatchInvariant: what every wire format's batch must satisfy, for the PostHog and Segment
// fuzz targets: messages are events or rejections, and events hold what `validate` reads.

import FuzzSupport
import PipelineKit
public import WireFormats

/// Stops the run unless every message of `batch` is an event or a rejection (never both,
/// never neither) and every event has string `event_id`, `event_name`, `user_id`, an ISO-8601
/// `timestamp` and an object `properties` (as a tree or as checked text).
public func checkWireBatch(_ batch: WireBatch) {
    require(batch.events.count == batch.origins.count, "events and origins differ in count")
    require(batch.events.count + batch.rejections.count == batch.messageCount, "a message is neither an event nor a rejection")
    require(Set(batch.origins).isDisjoint(with: batch.rejections.map(\.index)), "a message is both an event and a rejection")
    for event in batch.events {
        for field in ["event_id", "event_name", "user_id"] {
            require(event.fields[field]?.stringValue.map { !$0.isEmpty } == true, "\(field) is not a non-empty string")
        }
        require(event.fields["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) } != nil, "timestamp is not ISO-8601")
        require(event.propertiesObject != nil, "properties is not an object")
    }
}
