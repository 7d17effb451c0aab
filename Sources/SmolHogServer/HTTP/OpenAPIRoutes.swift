// GET /openapi.json: the API contract (docs/openapi.json, embedded as OpenAPIDocument), served
// with the daemon's version and only the routes this process serves.

import Hummingbird
import PipelineKit

/// Serves the OpenAPI document. Register it after every other route: the document it serves
/// lists the routes the router has when `register` runs, plus `/openapi.json` itself.
struct OpenAPIRoutes: Sendable {
    /// The document's `info.version`.
    var version: String = SmolHogVersion.release

    /// Builds the served document once (not per request); throws when the embedded document
    /// is not JSON, which `OpenAPITests` rules out.
    func register<Context: RequestContext>(on router: Router<Context>) throws {
        var served = Self.methodNames(router.servedRoutes)
        served["/openapi.json", default: []].insert("get")
        let body = try Self.document(served: served, version: version)
        router.get("/openapi.json") { _, _ in JSONResponse.make(.ok, bytes: body) }
    }

    /// The embedded document with `info.version` set and, under `paths`, only the paths and
    /// methods in `served` (keys of a path item that are not methods, such as `parameters`,
    /// are kept). `served` maps a path to its methods, lowercase (`get`, `post`).
    static func document(served: [String: Set<String>], version: String) throws -> [UInt8] {
        guard case .object(var root) = try JSONParser.parse(OpenAPIDocument.json),
            case .object(var info) = root["info"], case .object(let paths) = root["paths"]
        else {
            throw DaemonError("the embedded OpenAPI document (docs/openapi.json) has no 'info' or 'paths' object")
        }
        info["version"] = .string(version)
        root["info"] = .object(info)
        var kept = JSONObject()
        for (path, item) in paths {
            guard let methods = served[path], case .object(let operations) = item else { continue }
            kept[path] = .object(JSONObject(operations.members.filter { !operationKeys.contains($0.key) || methods.contains($0.key) }))
        }
        root["paths"] = .object(kept)
        var writer = JSONWriter(capacity: OpenAPIDocument.json.utf8.count)
        writer.write(object: root)
        return writer.bytes
    }

    /// Path → methods as an OpenAPI path item names them (`get`, `post`).
    static func methodNames(_ routes: [String: [HTTPRequest.Method]]) -> [String: Set<String>] {
        routes.mapValues { Set($0.map { $0.rawValue.lowercased() }) }
    }

    /// The keys of an OpenAPI path item that name an operation.
    static let operationKeys: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
}
