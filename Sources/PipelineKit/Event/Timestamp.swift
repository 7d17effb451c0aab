// Timestamp: microseconds since the Unix epoch, with the ISO-8601 parsing and formatting the
// wire formats need. Hand-written because Foundation's ISO8601DateFormatter accepts only one
// fraction style per instance and costs microseconds per call on the ingest hot path.

import Foundation

/// A point in time with microsecond precision (what PostgreSQL's timestamptz keeps).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    /// The instant `microseconds` after the Unix epoch (negative: before it).
    public init(microseconds: Int64) { self.microseconds = microseconds }
    /// The instant `secondsSinceEpoch` seconds after the Unix epoch, rounded to the nearest
    /// microsecond. A `Double` keeps whole microseconds exactly only within about ±285 years of 1970.
    public init(secondsSinceEpoch: Double) { self.microseconds = Int64((secondsSinceEpoch * 1_000_000).rounded()) }

    /// Earlier instants sort first; integer comparison, no rounding.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// Seconds since the Unix epoch, with the microseconds as the fraction.
    public var secondsSinceEpoch: Double { Double(microseconds) / 1_000_000 }

    /// The UTC day this instant falls on, as `YYYY-MM-DD`.
    public var dayString: String { String(iso8601.prefix(10)) }
    /// The start of the UTC hour, as `YYYY-MM-DDTHH:00:00Z`.
    public var hourString: String { String(iso8601.prefix(13)) + ":00:00Z" }

    /// The first instant (00:00:00Z) of the UTC day this instant falls on; day rollup
    /// buckets start here.
    public var dayStart: Timestamp { Timestamp(microseconds: floorDiv(microseconds, 86_400_000_000) * 86_400_000_000) }
    /// The first instant of the UTC hour this instant falls on; hour rollup buckets start here.
    public var hourStart: Timestamp { Timestamp(microseconds: floorDiv(microseconds, 3_600_000_000) * 3_600_000_000) }

    /// The proleptic Gregorian UTC calendar fields of this instant (year 0 is 1 BC).
    public struct UTCFields: Sendable, Equatable {
        /// Year (may be 0 or negative), month 1...12, day 1...31, hour 0...23, minute and second
        /// 0...59, microsecond 0...999_999.
        public var year, month, day, hour, minute, second, microsecond: Int64
    }

    /// This instant split into UTC calendar fields. Integer arithmetic only, no Foundation calendar.
    public var utcFields: UTCFields {
        let totalSeconds = floorDiv(microseconds, 1_000_000)
        let days = floorDiv(totalSeconds, 86_400)
        let secondsOfDay = totalSeconds - days * 86_400
        let (year, month, day) = civilDate(fromDays: days)
        return UTCFields(
            year: year, month: month, day: day, hour: secondsOfDay / 3600, minute: secondsOfDay / 60 % 60, second: secondsOfDay % 60,
            microsecond: microseconds - totalSeconds * 1_000_000)
    }

    /// `2024-05-06T07:08:09.123456Z`; milliseconds only (`.123`) when that is exact, no fraction
    /// when zero; years before 0000 or after 9999 signed (`-0001-12-31T00:00:00Z`).
    public var iso8601: String {
        let f = utcFields
        // ISO 8601's expanded years outside 0000–9999: `-0001` is 2 BC, `+10000` after 9999.
        let year = f.year < 0 ? "-" + pad(-f.year, 4) : f.year > 9999 ? "+" + String(f.year) : pad(f.year, 4)
        var text = year + "-" + pad(f.month, 2) + "-" + pad(f.day, 2)
        text += "T" + pad(f.hour, 2) + ":" + pad(f.minute, 2) + ":" + pad(f.second, 2)
        if f.microsecond % 1000 != 0 {
            text += "." + pad(f.microsecond, 6)
        } else if f.microsecond != 0 {
            text += "." + pad(f.microsecond / 1000, 3)
        }
        return text + "Z"
    }

    /// The `iso8601` text.
    public var description: String { iso8601 }

    /// The current wall-clock time (`Date`), rounded to the microsecond. Not monotonic: it
    /// moves when the system clock is set.
    public static func now() -> Timestamp {
        Timestamp(secondsSinceEpoch: Date().timeIntervalSince1970)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM|±HH)`. A space may stand for `T`.
    /// Returns nil for anything else, including a missing time zone: a time without a zone
    /// means different instants on different clients.
    public init?(iso8601 text: String) {
        var text = text
        guard let value = text.withUTF8({ Timestamp.parse($0) }) else { return nil }
        self = value
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard b.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for i in start..<start + count {
                let d = b[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
            let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        var index = 19
        var micros: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: ".") || b[index] == UInt8(ascii: ",") {
            index += 1
            var scale: Int64 = 100_000
            let start = index
            while index < b.count, b[index] &- UInt8(ascii: "0") < 10 {
                micros += Int64(b[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start, index - start <= 9 else { return nil }
        }
        guard index < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = b[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            let rest = b.count - index
            let hours: Int64?
            var minutes: Int64? = 0
            switch rest {
            case 2: hours = digits(index, 2)
            case 4: hours = digits(index, 2); minutes = digits(index + 2, 2)
            case 5 where b[index + 2] == UInt8(ascii: ":"): hours = digits(index, 2); minutes = digits(index + 3, 2)
            default: return nil
            }
            guard let h = hours, let m = minutes, h < 24, m < 60 else { return nil }
            offsetSeconds = sign * (h * 3600 + m * 60)
            index = b.count
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return Timestamp(microseconds: seconds * 1_000_000 + micros)
    }
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

private func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

private func daysIn(month: Int64, year: Int64) -> Int64 {
    switch month {
    case 2: isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
private func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = floorDiv(y, 400)
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

private func civilDate(fromDays days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = floorDiv(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
}
