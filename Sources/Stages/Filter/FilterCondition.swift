// The conditions of `filter` rules: what they test (an event field or a property path), the
// tests (equals, in, regex, exists, numeric bounds) and how they combine (all, any, not).

import PipelineKit

/// A condition on one event, decoded and checked when the config loads.
indirect enum FilterCondition: Sendable {
    /// Every condition holds (`all: [...]`, at least one).
    case all([FilterCondition])
    /// At least one condition holds (`any: [...]`, at least one).
    case any([FilterCondition])
    /// The condition does not hold (`not: {...}`).
    case not(FilterCondition)
    /// `test` holds for the subject's value.
    case test(FilterSubject, FilterTest)
}

/// What a condition looks at.
enum FilterSubject: Sendable {
    /// One of the event's own string fields.
    case field(FilterField)
    /// A property, by path.
    case property(FilterPropertyPath)
}

/// The event fields a condition may test (`field: user_id`); all of them are strings.
enum FilterField: String, Sendable, CaseIterable {
    case eventName = "event_name"
    case userID = "user_id"
    case sessionID = "session_id"
    case eventID = "event_id"
}

/// A path to a property: the top-level key, read through its slot, then keys of nested
/// objects (`cart.total` is `cart` then `total`). A step into anything but an object finds
/// nothing. Invariant: no key is empty.
struct FilterPropertyPath: Sendable {
    /// Index of the top-level key in the stage's `propertyKeys`.
    let slot: Int
    /// Keys below the top-level one, outermost first.
    let rest: [String]
}

/// A test of one value. A missing value (no such property, or no session id) passes only
/// `exists: false`; so does `null`.
enum FilterTest: Sendable {
    /// Equal to a string, number or boolean; numbers compare by value (`1` equals `1.0`), a
    /// number never equals a string.
    case equals(FilterScalar)
    /// Equal to one of these.
    case oneOf(FilterScalarSet)
    /// A string the pattern matches somewhere in (anchor it with `^`/`$`); never a non-string.
    case matches(FilterRegex)
    /// Present and not null (`true`), or missing or null (`false`).
    case exists(Bool)
    /// A number within the bounds; never a non-number (a numeric string included).
    case range(lower: FilterBound?, upper: FilterBound?)
}

/// One bound of a numeric test: `gt`/`lt` exclude the value, `gte`/`lte` include it.
struct FilterBound: Sendable {
    let value: Double
    let inclusive: Bool
}

/// A value an `equals` or `in` compares with.
enum FilterScalar: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)

    /// The scalar a JSON value compares as; nil for null, lists and objects (equal to nothing).
    init?(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .number(let number): self = .number(number.doubleValue)
        case .bool(let flag): self = .bool(flag)
        case .null, .array, .object: return nil
        }
    }
}

/// The values of an `in` test, in a set.
struct FilterScalarSet: Sendable {
    let values: Set<FilterScalar>

    func contains(_ value: JSONValue) -> Bool {
        guard let scalar = FilterScalar(value) else { return false }
        return values.contains(scalar)
    }
}

/// A regular expression compiled once, when the config loads, and shared by every request.
///
/// `@unchecked Sendable`: `Regex` is not declared `Sendable`, but nothing in it changes once
/// its program is lowered for matching, which `init` does with a first match; the standard
/// library publishes that program with an atomic compare-and-swap in any case.
struct FilterRegex: @unchecked Sendable {
    /// The pattern as written.
    let pattern: String
    let regex: Regex<AnyRegexOutput>

    /// Compiles `pattern` (Swift `Regex` syntax); throws the parser's complaint.
    init(_ pattern: String) throws {
        self.pattern = pattern
        regex = try Regex(pattern)
        _ = "".contains(regex)
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool { text.contains(regex) }
}
