// ClockSkew: an event's time as PostHog computes it, correcting the client's clock by the
// envelope's sent-at: `receivedAt - sentAt + timestamp`, or `receivedAt - offset` (posthog-js's
// per-event `offset` in ms) when there is no sent-at; the client's own value is kept in
// `properties.$original_timestamp`.

public import PipelineKit

/// Clock-skew correction of event timestamps.
public enum ClockSkew {
    /// The property that keeps the timestamp the client sent when it was corrected.
    public static let originalTimestampProperty = "$original_timestamp"

    /// The event's corrected time, and whether a sent value was changed (the caller then keeps
    /// it under `originalTimestampProperty`):
    /// - timestamp and `sentAt`: `receivedAt - sentAt + timestamp`;
    /// - else `offset` (ms before sending): `receivedAt - offset`;
    /// - else the timestamp as sent; else `receivedAt`.
    /// A timestamp is ISO-8601 text with a zone or a number of seconds since the epoch
    /// (milliseconds when 10¹¹ or more). Fails, naming `field`, for any other value.
    /// Fails too when the resulting time is outside years 1–9999, which ISO-8601 text cannot
    /// carry (a sent-at thousands of years off the server's clock moves a time out of them).
    public static func resolve(
        _ timestamp: JSONValue?, field: String, sentAt: Timestamp?, offsetMillis: Int64?, receivedAt: Timestamp
    ) -> Result<(time: Timestamp, corrected: Bool), ItemFailure> {
        resolveUnchecked(timestamp, field: field, sentAt: sentAt, offsetMillis: offsetMillis, receivedAt: receivedAt).flatMap { resolved in
            guard representable.contains(resolved.time.microseconds) else {
                return .failure(
                    ItemFailure(
                        field: field,
                        resolved.corrected
                            ? "corrected by the envelope's sent-at, falls outside years 1–9999; expected a sent-at near the server's clock"
                            : "is outside years 1–9999; expected a time ISO-8601 can carry"))
            }
            return .success(resolved)
        }
    }

    /// 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999Z, in microseconds since the epoch.
    static let representable: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999

    private static func resolveUnchecked(
        _ timestamp: JSONValue?, field: String, sentAt: Timestamp?, offsetMillis: Int64?, receivedAt: Timestamp
    ) -> Result<(time: Timestamp, corrected: Bool), ItemFailure> {
        var sent: Timestamp?
        switch timestamp {
        case nil, .null?: sent = nil
        case let value?:
            guard let parsed = parseTime(value) else {
                return .failure(
                    ItemFailure(
                        field: field,
                        "\(describe(value)) is not a time; expected ISO-8601 with a time zone (2024-05-06T07:08:09.123Z) or seconds or milliseconds since the epoch"
                    ))
            }
            sent = parsed
        }
        if let sent, let sentAt {
            let (skewed, overflow) = receivedAt.microseconds.subtractingReportingOverflow(sentAt.microseconds)
            let (time, overflow2) = skewed.addingReportingOverflow(sent.microseconds)
            guard !overflow, !overflow2 else { return .failure(ItemFailure(field: field, "is too far from the envelope's sent-at to correct")) }
            return .success((Timestamp(microseconds: time), time != sent.microseconds))
        }
        if let offsetMillis, offsetMillis.magnitude < 1 << 40 {
            return .success((Timestamp(microseconds: receivedAt.microseconds - offsetMillis * 1000), sent != nil))
        }
        return .success((sent ?? receivedAt, false))
    }

    /// ISO-8601 text, or epoch seconds / milliseconds as a number.
    public static func parseTime(_ value: JSONValue) -> Timestamp? {
        switch value {
        case .string(let text): return Timestamp(iso8601: text)
        case .number(let number):
            let seconds = number.doubleValue
            guard seconds.isFinite, seconds.magnitude < 1e16 else { return nil }
            return Timestamp(secondsSinceEpoch: seconds.magnitude >= 1e11 ? seconds / 1000 : seconds)
        default: return nil
        }
    }

    /// A value for an error message: strings quoted and cut to 64 characters.
    static func describe(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "'\(text.prefix(64))'" }
        return value.typeName
    }
}
