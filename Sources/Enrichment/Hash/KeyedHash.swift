// KeyedHash: pseudonymization with HMAC-SHA256 under a secret, what the `hash` step writes
// in place of an email address or a user id. The same input and secret always give the same
// text, so counts of distinct users and joins on the hashed value still work.

import Crypto

/// HMAC-SHA256 of a value's text under a secret key, written as 64 lowercase hex digits.
///
/// Invariant: the secret is never part of any text the type produces (`description` is
/// redacted), so a config dump or a log line that prints it shows nothing of the key.
public struct KeyedHash: Sendable, CustomStringConvertible {
    /// The fewest secret bytes accepted: shorter keys make a dictionary attack on hashed
    /// emails cheap.
    public static let minimumSecretBytes = 16

    private let key: SymmetricKey

    /// A hasher keyed with `secret`'s UTF-8 bytes; nil when it has fewer than
    /// `minimumSecretBytes`.
    public init?(secret: String) {
        guard secret.utf8.count >= Self.minimumSecretBytes else { return nil }
        key = SymmetricKey(data: Array(secret.utf8))
    }

    /// The hex HMAC-SHA256 of `text`'s UTF-8 bytes.
    public func hash(_ text: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in mac {
            hex.append(Self.digits[Int(byte >> 4)])
            hex.append(Self.digits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// `KeyedHash(HMAC-SHA256, secret redacted)`.
    public var description: String { "KeyedHash(HMAC-SHA256, secret redacted)" }
}
