// The `hash` step's options: which values to pseudonymize, and the environment variable that
// holds the secret. The secret is read while the config decodes (an unset or short one is an
// error at its line) and never printed.

public import Enrichment
import Foundation

extension EnrichStageKind.Step {
    /// `hash: {properties: [email, phone], user_id: true, secret_env: SMOLHOG_HASH_SECRET}`.
    public struct HashOptions: Decodable, Sendable, CustomStringConvertible {
        /// Top-level properties whose values are replaced by their keyed hash.
        public var properties: [String]
        /// Whether the event's `user_id` is replaced by its keyed hash too.
        public var userID: Bool
        /// The environment variable holding the secret (at least 16 bytes).
        public var secretEnvironmentVariable: String
        /// The hasher keyed with that secret.
        public var hasher: KeyedHash

        enum CodingKeys: String, CodingKey {
            case properties
            case userID = "user_id"
            case secretEnvironmentVariable = "secret_env"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            properties = try container.decodeIfPresent([String].self, forKey: .properties) ?? []
            userID = try container.decodeIfPresent(Bool.self, forKey: .userID) ?? false
            secretEnvironmentVariable = try container.decodeIfPresent(String.self, forKey: .secretEnvironmentVariable) ?? "SMOLHOG_HASH_SECRET"
            guard !properties.isEmpty || userID else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: container.codingPath, debugDescription: "hashes nothing; expected `properties: [name, …]` and/or `user_id: true`"))
            }
            let name = secretEnvironmentVariable
            let environment = decoder.userInfo[.environment] as? [String: String] ?? ProcessInfo.processInfo.environment
            guard let secret = environment[name], !secret.isEmpty else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath + [CodingKeys.secretEnvironmentVariable],
                        debugDescription:
                            "environment variable \(name) is not set; expected the hashing secret there (at least \(KeyedHash.minimumSecretBytes) bytes)"))
            }
            guard let hasher = KeyedHash(secret: secret) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath + [CodingKeys.secretEnvironmentVariable],
                        debugDescription:
                            "environment variable \(name) holds \(secret.utf8.count) bytes; expected a secret of at least \(KeyedHash.minimumSecretBytes)"))
            }
            self.hasher = hasher
        }

        /// The options without the secret.
        public var description: String {
            "hash(properties: \(properties), user_id: \(userID), secret_env: \(secretEnvironmentVariable))"
        }
    }
}
