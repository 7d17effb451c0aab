// EnrichStageKind.Step: one entry of an `enrich` list as pipeline.yaml writes it, decoded
// strictly (one key per entry, naming the step) with every option checked where it is
// written: an unknown step, an unset secret or a missing database is an error at its line.

public import PipelineKit

extension EnrichStageKind {
    /// One step of an `enrich` list. Steps run in list order on every event; what one step
    /// writes, the next one reads.
    public enum Step: Decodable, Sendable {
        /// Sets these top-level properties, replacing what the event sent.
        case set(JSONObject)
        /// Sets these top-level properties only where the event did not send them.
        case setDefault(JSONObject)
        /// Removes these top-level properties (e.g. `password`).
        case drop([String])
        /// Moves each property to a new key (`{old: new}`), replacing what the new key held.
        case rename([KeyPair])
        /// Copies each property to another key (`{from: to}`), replacing what it held.
        case copy([KeyPair])
        /// Keeps only these top-level properties; every other one is removed.
        case keep([String])
        /// Lowercases the event name and/or named string properties.
        case lowercase(TextTargets)
        /// Trims whitespace around the event name and/or named string properties.
        case trim(TextTargets)
        /// Derives browser, OS and device from a user-agent string.
        case userAgent(UserAgentOptions)
        /// Derives host, path, campaign tags and the referrer's domain and kind from URLs.
        case url(URLOptions)
        /// Writes the request's client address as `$ip`: as it is, anonymized, or not at all.
        case ip(IPOptions)
        /// Locates the client address in a MaxMind-format database.
        case geoip(GeoIPOptions)
        /// Pseudonymizes named properties (and the user id) with HMAC-SHA256.
        case hash(HashOptions)

        /// A `from → to` key pair of `rename` and `copy`.
        public struct KeyPair: Sendable, Hashable {
            /// The key read.
            public var from: String
            /// The key written.
            public var to: String
            /// Memberwise.
            public init(from: String, to: String) {
                self.from = from
                self.to = to
            }
        }

        /// The step's name as pipeline.yaml writes it (`user_agent`).
        public var name: String {
            switch self {
            case .set: "set"
            case .setDefault: "set_default"
            case .drop: "drop"
            case .rename: "rename"
            case .copy: "copy"
            case .keep: "keep"
            case .lowercase: "lowercase"
            case .trim: "trim"
            case .userAgent: "user_agent"
            case .url: "url"
            case .ip: "ip"
            case .geoip: "geoip"
            case .hash: "hash"
            }
        }

        /// The step names, as pipeline.yaml writes them.
        public static let names = [
            "set", "set_default", "drop", "rename", "copy", "keep", "lowercase", "trim", "user_agent", "url", "ip", "geoip", "hash",
        ]
        /// Steps that may be written as a bare name (`- user_agent`), with their defaults.
        static let bareNames = ["user_agent", "url", "ip"]

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: any Decoder) throws {
            if let bare = try? decoder.singleValueContainer().decode(String.self) {
                self = try Self.bare(bare, decoder: decoder)
                return
            }
            let container = try decoder.container(keyedBy: AnyKey.self)
            let keys = container.allKeys
            guard keys.count == 1, let key = keys.first else {
                let what = keys.isEmpty ? "an empty enrich step" : "an enrich step with \(keys.count) keys (\(keys.map(\.stringValue).joined(separator: ", ")))"
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath,
                        debugDescription: "\(what); expected one key naming the step, one of: \(Self.names.joined(separator: ", "))"))
            }
            switch key.stringValue {
            case "set": self = .set(try Self.object(container, key))
            case "set_default": self = .setDefault(try Self.object(container, key))
            case "drop": self = .drop(try container.decode([String].self, forKey: key))
            case "rename": self = .rename(try Self.pairs(container, key))
            case "copy": self = .copy(try Self.pairs(container, key))
            case "keep": self = .keep(try container.decode([String].self, forKey: key))
            case "lowercase": self = .lowercase(try container.decode(TextTargets.self, forKey: key))
            case "trim": self = .trim(try container.decode(TextTargets.self, forKey: key))
            case "user_agent": self = .userAgent(try container.decode(UserAgentOptions.self, forKey: key))
            case "url": self = .url(try container.decode(URLOptions.self, forKey: key))
            case "ip": self = .ip(try container.decode(IPOptions.self, forKey: key))
            case "geoip": self = .geoip(try container.decode(GeoIPOptions.self, forKey: key))
            case "hash": self = .hash(try container.decode(HashOptions.self, forKey: key))
            default:
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath + [key],
                        debugDescription:
                            "unknown enrich step '\(key.stringValue)'\(didYouMean(key.stringValue, in: Self.names)); expected one of: \(Self.names.joined(separator: ", "))"
                    ))
            }
        }

        private static func bare(_ name: String, decoder: any Decoder) throws -> Step {
            switch name {
            case "user_agent": return .userAgent(UserAgentOptions())
            case "url": return .url(URLOptions())
            case "ip": return .ip(IPOptions())
            default:
                let hint =
                    names.contains(name) ? "step '\(name)' needs options (`- \(name): …`)" : "unknown enrich step '\(name)'\(didYouMean(name, in: names))"
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription:
                            "\(hint); a bare name is allowed for \(bareNames.joined(separator: ", ")), otherwise expected a mapping such as `drop: [password]`")
                )
            }
        }

        private static func object(_ container: KeyedDecodingContainer<AnyKey>, _ key: AnyKey) throws -> JSONObject {
            guard case .object(let object) = try container.decode(JSONValue.self, forKey: key) else {
                throw DecodingError.typeMismatch(
                    JSONObject.self, .init(codingPath: container.codingPath + [key], debugDescription: "expected a mapping of property: value"))
            }
            return object
        }

        private static func pairs(_ container: KeyedDecodingContainer<AnyKey>, _ key: AnyKey) throws -> [KeyPair] {
            let object = try object(container, key)
            return try object.map { member in
                guard case .string(let target) = member.value, !target.isEmpty else {
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: container.codingPath + [key, AnyKey(stringValue: member.key)],
                            debugDescription: "expected a non-empty property name to \(key.stringValue) '\(member.key)' to"))
                }
                return KeyPair(from: member.key, to: target)
            }
        }
    }
}
