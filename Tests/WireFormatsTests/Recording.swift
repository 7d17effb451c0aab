// Recording: the requests real SDKs sent (Fixtures/*.jsonl, copied from the wire recordings),
// one per line: method, path, query, headers, the raw body and what it decodes to.

import Foundation
import NIOCore
import PipelineKit
import WireDecoding

struct Recording {
    var path: String
    var query: String
    var headers: [String: String]
    var raw: [UInt8]
    /// The recorder's decoded JSON, re-serialized; nil where its decoder failed.
    var bodyJSON: Any?
    /// The recorder's last decoded text (record 4 of the browser file: the base64 it could not decode).
    var bodyText: String?

    var body: ByteBuffer { ByteBuffer(bytes: raw) }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    var postHogRequest: PostHogBodyRequest {
        PostHogBodyRequest(body: body, contentType: header("content-type"), contentEncoding: header("content-encoding"), query: query)
    }

    static func load(_ file: String) throws -> [Recording] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(file).jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            let query = (object["query"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            let headers = (object["headers"] as? [String: String] ?? [:]).reduce(into: [String: String]()) { $0[$1.key.lowercased()] = $1.value }
            return Recording(
                path: object["path"] as? String ?? "", query: query, headers: headers,
                raw: Array(Data(base64Encoded: object["raw_b64"] as? String ?? "") ?? Data()),
                bodyJSON: object["body_json"].flatMap { $0 is NSNull ? nil : $0 }, bodyText: object["body_text"] as? String)
        }
    }

    /// The recorder's decoded JSON parsed by SmolHog's parser, for comparing values.
    var expectedValue: JSONValue? {
        guard let bodyJSON, let data = try? JSONSerialization.data(withJSONObject: bodyJSON) else { return nil }
        return try? JSONParser.parse(Array(data))
    }
}

extension JSONValue {
    /// The same value with every object's keys sorted (JSONSerialization does not keep order).
    var sortingKeys: JSONValue {
        switch self {
        case .object(let object): .object(JSONObject(object.members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value.sortingKeys) }))
        case .array(let items): .array(items.map(\.sortingKeys))
        default: self
        }
    }

    /// `self[key]` on an object.
    subscript(_ key: String) -> JSONValue? { objectValue?[key] }
}

extension RawEvent {
    subscript(_ key: String) -> JSONValue? { fields[key] }
    /// The properties, parsed when the decoder kept them as text.
    var properties: JSONObject {
        if let rawProperties { return (try? JSONParser.parse(rawProperties.text))?.objectValue ?? [:] }
        return fields["properties"]?.objectValue ?? [:]
    }
    var time: Timestamp? { fields["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) } }
}
