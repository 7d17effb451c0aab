// native: SmolHog's own wire format, `POST /events` with `{"events":[...]}`. Properties stay
// checked JSON text from the body to the store (no tree, no re-serializing); the answer lists
// each rejected event with its field and rule.

public import PipelineKit

/// `sources: [native]`: `POST /events` with `{"events": [event, …]}` (docs/api.md).
///
/// Answers 200 `{"status": "success"|"partial", "events_received", "events_accepted",
/// "events_rejected", "events_filtered", "rejected": [{index, field, reason}], "message"}` when
/// anything was taken (accepted or filtered out on purpose), 400 `invalid_events` (same
/// counts) when every event was rejected.
public struct NativeSource: Source {
    /// `- native: {key_header: X-SmolHog-Key}`; every option is optional.
    public struct Config: Decodable, Sendable, Hashable {
        /// A request header whose value becomes `IngestContext.key`; nil: the request carries no key.
        public var keyHeader: String?

        /// No options: no key.
        public init(keyHeader: String? = nil) { self.keyHeader = keyHeader }

        enum CodingKeys: String, CodingKey {
            case keyHeader = "key_header"
        }
    }

    /// `native`.
    public static let name = "native"
    /// `POST /events`.
    public static let routes = [SourceRoute("/events", methods: [.post])]

    /// Header the key is read from, or nil.
    let keyHeader: String?

    /// A native source reading the key from `keyHeader` (nil: none).
    public init(keyHeader: String? = nil) { self.keyHeader = keyHeader }

    /// `key_header`, when set, must be a header name (letters, digits, `-`).
    public static func check(_ config: Config) -> [ConfigProblem] {
        guard let header = config.keyHeader else { return [] }
        let valid =
            !header.isEmpty
            && header.unicodeScalars.allSatisfy { $0 == "-" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        return valid ? [] : [ConfigProblem(path: ["key_header"], "'\(header)' is not a header name; expected letters, digits and '-' (e.g. X-SmolHog-Key)")]
    }

    /// Builds the source; no I/O.
    public static func build(_ config: Config, context: BuildContext) async throws -> NativeSource {
        NativeSource(keyHeader: config.keyHeader)
    }

    /// Parses `{"events": [...]}` (stopping past `request.maxItems` with 413), runs the ingest
    /// path, and answers with the counts and each rejection.
    public func receive(_ request: SourceRequest, ingest: SourceIngest) async throws -> SourceResponse {
        let bytes = try await request.body()
        let body: EventArrayBody
        let other: JSONValue?
        do {
            (body, other) = try JSONParser.parseEventArray(bytes, arrayKey: "events", maxItems: request.maxItems)
        } catch let error where error.itemLimit != nil {
            throw SourceError.tooManyEvents(limit: request.maxItems)
        } catch {
            throw SourceError.badRequest("malformed_json", "body is not valid JSON: \(error)")
        }
        if let other {
            throw SourceError.badRequest("invalid_body", "body must be a JSON object {\"events\": [...]}, got \(other.typeName)")
        }
        guard let items = body.items else {
            throw SourceError.badRequest(
                "invalid_body", "field 'events' must be an array of event objects, got \(body.root["events"]?.typeName ?? "nothing")")
        }
        // By index, not zip: the zip's generic iterator looked up type metadata on every step.
        let raw = items.indices.map { index in
            let properties = index < body.properties.count ? body.properties[index] : nil
            return items[index].objectValue.map { RawEvent(fields: $0, rawProperties: properties) }
        }
        var context = request.context
        if let keyHeader { context.key = request.header(keyHeader) }
        let result = try await ingest(Batch(decoded: raw, receivedAt: request.receivedAt, context: context))
        return Self.answer(result, received: items.count)
    }

    /// The reference answer, extended: 200 when anything was taken (rejections listed,
    /// events filtered out counted), 400 when every event was rejected.
    static func answer(_ result: IngestResult, received: Int) -> SourceResponse {
        let accepted = result.accepted.count
        let rejections = result.rejections
        let rejected = JSONValue.array(rejections.map(\.answer))
        if result.tookNothing {
            return SourceResponse(
                status: 400,
                json: [
                    "code": "invalid_events", "message": .string("all \(received) events were rejected; see 'rejected' for each event's field and rule"),
                    "events_received": number(received), "events_accepted": 0, "rejected": rejected,
                ])
        }
        var message = rejections.isEmpty ? "Events queued for processing" : "\(accepted) events queued for processing, \(rejections.count) rejected"
        if result.filtered > 0 {
            message =
                "\(accepted) events queued for processing, " + (rejections.isEmpty ? "" : "\(rejections.count) rejected, ") + "\(result.filtered) filtered"
        }
        return SourceResponse(
            status: 200,
            json: [
                "status": rejections.isEmpty ? "success" : "partial", "events_received": number(received), "events_accepted": number(accepted),
                "events_rejected": number(rejections.count), "events_filtered": number(result.filtered), "rejected": rejected,
                "message": .string(message),
            ])
    }

    private static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
}
