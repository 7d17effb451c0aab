// fuzz-json: an ingest request body through the parser the HTTP layer uses
// (`JSONParser.parseEventArray`, as `POST /events` calls it), checked against the plain parser
// and carried through the queue codec.

import FuzzSupport

@testable import PipelineKit

/// `validate.max_batch`'s default: the item limit `POST /events` parses with.
private let maxItems = 1000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    let whole: Result<JSONValue, JSONParseError> = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
    let parsed: (body: EventArrayBody, value: JSONValue?)
    do {
        parsed = try JSONParser.parseEventArray(bytes, arrayKey: "events", maxItems: maxItems)
    } catch {
        if error.itemLimit != nil { return 0 }
        // Accepts and rejects exactly the documents `parse` does, with the same position.
        guard case .failure(let plain) = whole else { fatalError("parseEventArray rejects what parse accepts: \(error)") }
        require(plain.offset == error.offset, "error offsets differ: \(plain) vs \(error)")
        return 0
    }
    guard case .success(let value) = whole else { fatalError("parseEventArray accepts what parse rejects") }
    // What the parser accepts writes back as JSON that parses to the same value.
    require((try? JSONParser.parse(value.jsonText)) == value, "jsonText does not parse back to the value")
    let body = parsed.body
    if let other = parsed.value {
        require(other == value, "a non-object body parses differently")
        return 0
    }
    guard let items = body.items else { return 0 }
    require(body.properties.count == items.count, "\(body.properties.count) properties for \(items.count) items")
    var events: [Event] = []
    for (index, item) in items.enumerated() {
        guard case .object(let fields) = item else { continue }
        let raw = body.properties[index]
        if let raw {
            // The kept text is the properties object itself.
            guard case .object = try? JSONParser.parse(raw.text) else { fatalError("kept properties text is not an object: \(raw.text)") }
        }
        // Within years 0000–9999 in UTC a parsed time formats and parses back; outside them it
        // formats as an expanded year (`+10000`), which the parser does not read.
        if let text = fields["timestamp"]?.stringValue, let timestamp = Timestamp(iso8601: text), let first = timestamp.iso8601.first, first.isNumber {
            require(Timestamp(iso8601: timestamp.iso8601) == timestamp, "\(text) does not format and parse back")
        }
        events.append(
            Event(
                eventID: fields["event_id"]?.stringValue ?? "", eventName: fields["event_name"]?.stringValue ?? "",
                userID: fields["user_id"]?.stringValue ?? "", propertiesJSON: raw?.text ?? "{}", keys: raw?.keys,
                timestamp: Timestamp(microseconds: Int64(index)), sessionID: fields["session_id"]?.stringValue, receivedAt: Timestamp(microseconds: 0)))
    }
    // What the parser accepted crosses the queue unchanged.
    let decoded: [Event]
    do { decoded = try QueueMessage.decode(QueueMessage.encode(events)) } catch { fatalError("queue codec rejects its own message: \(error)") }
    require(decoded == events, "events changed through the queue codec")
    require(decoded.map(\.propertiesJSON) == events.map(\.propertiesJSON), "properties text changed through the queue codec")
    return 0
}
