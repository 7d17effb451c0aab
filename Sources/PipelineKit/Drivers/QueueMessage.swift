// QueueMessage: the bytes a queue driver carries for one published batch. What a driver
// author needs of the queue codec, and nothing of its layout.

/// The body of one queue message: `EventQueue.publish` stores `encode(events)` as it is, and
/// hands it back as `Delivery.body`; the worker decodes it.
///
/// The format is versioned: a message written by an older `smolhogd` still decodes.
public enum QueueMessage {
    /// The message body for `events`. Cost: one pass over the events, one byte array.
    public static func encode(_ events: [Event]) -> [UInt8] { EventBatchCodec.encode(events) }

    /// The message body for `events` of a batch whose request was `context` (it travels with
    /// them to the worker path). Cost: as `encode(_:)`, plus the context's few strings.
    public static func encode(_ events: [Event], context: IngestContext) -> [UInt8] { EventBatchCodec.encode(events, context: context) }

    /// The events of a message body; throws when the bytes are not a message (a driver may
    /// decode to inspect a dead letter; the worker dead-letters what does not decode).
    public static func decode(_ body: [UInt8]) throws -> [Event] { try EventBatchCodec.decode(body) }

    /// The events of a message body and the request context of their batch (empty for a
    /// message written before contexts were queued); throws as `decode(_:)`.
    public static func decodeWithContext(_ body: [UInt8]) throws -> (events: [Event], context: IngestContext) {
        try EventBatchCodec.decodeBatch(body)
    }
}
