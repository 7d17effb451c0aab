// CORSSettings: `server.cors`, which browser origins may send events to the ingest routes.
// Plain data with its checks; the HTTP layer adds the headers.

/// `server.cors:` in pipeline.yaml: the origins browser SDKs may post events from. Only the
/// ingest routes (the sources') answer CORS; the analytics routes never do.
public struct CORSSettings: Decodable, Sendable, Hashable {
    /// Origins allowed (`https://shop.example.com`); nil (the default) allows any origin
    /// (`Access-Control-Allow-Origin: *`). With a list, a listed request `Origin` is reflected
    /// (with `Vary: Origin`) and any other gets no `Access-Control-Allow-Origin`.
    public var allowedOrigins: [String]?
    /// Seconds a browser may cache a preflight's answer (`Access-Control-Max-Age`).
    public var maxAgeSeconds: Int = 86_400

    /// Any origin, preflights cached for a day.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case allowedOrigins = "allowed_origins"
        case maxAgeSeconds = "max_age_s"
    }

    /// Decodes `server.cors`; absent keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowedOrigins = try container.decodeIfPresent([String].self, forKey: .allowedOrigins)
        maxAgeSeconds = try container.decodeIfPresent(Int.self, forKey: .maxAgeSeconds) ?? maxAgeSeconds
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, or nil when that
    /// origin is not allowed; `varies` is true when the value depends on the origin.
    public func allowOrigin(for origin: String?) -> (value: String?, varies: Bool) {
        guard let allowedOrigins else { return ("*", false) }
        guard let origin, allowedOrigins.contains(origin) else { return (nil, true) }
        return (origin, true)
    }

    var problems: [ConfigProblem] {
        var problems: [ConfigProblem] = []
        for (index, origin) in (allowedOrigins ?? []).enumerated() {
            let scheme = origin.hasPrefix("https://") ? 8 : origin.hasPrefix("http://") ? 7 : 0
            let host = origin.dropFirst(scheme)
            if scheme == 0 || host.isEmpty || host.contains("/") || origin.contains(where: \.isWhitespace) {
                problems.append(
                    ConfigProblem(
                        path: ["allowed_origins", "[\(index)]"],
                        "'\(origin)' is not an origin; expected SCHEME://HOST[:PORT] without a path, e.g. https://shop.example.com"))
            }
        }
        if !(0...604_800).contains(maxAgeSeconds) {
            problems.append(ConfigProblem(path: ["max_age_s"], "must be 0 to 604800 seconds, got \(maxAgeSeconds)"))
        }
        return problems
    }
}
