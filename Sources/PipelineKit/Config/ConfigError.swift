// Config errors: every problem found while loading pipeline.yaml, each placed at its
// file:line:column with the YAML path and what was expected. Collected, not thrown one by one.

/// One problem in a config file.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case fileUnreadable = "file_unreadable"
        case yamlSyntax = "yaml_syntax"
        case unknownStage = "unknown_stage"
        case unknownField = "unknown_field"
        case wrongType = "wrong_type"
        case missingField = "missing_field"
        case invalidValue = "invalid_value"
        case typeMismatch = "type_mismatch"
        case missingQueue = "missing_queue"
        case duplicateQueue = "duplicate_queue"
        case missingPersist = "missing_persist"
        case misplacedStage = "misplaced_stage"
        case unsetVariable = "unset_variable"
    }

    public var code: Code
    public var file: String
    /// 1-based; 0 when the problem has no single place (the file as a whole).
    public var line: Int
    public var column: Int
    /// Where in the document, e.g. `stages[2].validate.max_batch`.
    public var path: String
    public var message: String

    public init(code: Code, file: String, line: Int, column: Int, path: String, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
    }
}

/// Loading a config failed; `issues` holds every problem found, in file order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public init(issues: [ConfigIssue]) { self.issues = issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) } }
    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return "config has \(count):\n" + issues.map { "  " + $0.description }.joined(separator: "\n")
    }
}

/// Closest candidate to `name` within a small edit distance, for "did you mean" hints.
func closestMatch(to name: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else { return nil }
    return best.0
}

/// ` (did you mean 'x'?)` when a candidate is close to `name`, else empty. For stage kinds
/// that report their own unknown names.
public func didYouMean(_ name: String, in candidates: [String]) -> String {
    guard let match = closestMatch(to: name, in: candidates) else { return "" }
    return " (did you mean '\(match)'?)"
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
