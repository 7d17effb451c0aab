// PersonID: ids that must never become a merge target (alias, identify): placeholders that
// SDKs and apps send when they have no real id, which would join unrelated people into one.
// The wire formats name it (`isIllegalPersonID`); the `persons` stage obeys it.

/// Rules for person ids.
public enum PersonID {
    /// Lowercased placeholders PostHog also refuses to merge on.
    static let placeholders: Set<String> = [
        "anonymous", "guest", "distinctid", "distinct_id", "id", "not_authenticated", "email", "undefined", "true", "false", "null",
        "none", "nan", "0", "[object object]", "user", "user_id", "userid", "anon", "unknown",
    ]

    /// True when `id` is empty, only white space, or a placeholder such as `anonymous`,
    /// `null`, `undefined`, `0`, `[object Object]` (case-insensitive, surrounding white space
    /// and quotes ignored): an alias or identify must not merge people on it.
    public static func isIllegal(_ id: String) -> Bool {
        let trimmed = id.trimming(" \t\r\n\"'")
        return trimmed.isEmpty || placeholders.contains(trimmed.lowercased())
    }
}

extension String {
    /// Without leading and trailing characters from `set`.
    fileprivate func trimming(_ set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
