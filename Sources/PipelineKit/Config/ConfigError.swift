// Config errors: every problem found while loading pipeline.yaml, each placed at its
// file:line:column with the YAML path and what was expected. Collected, not thrown one by one.

/// One problem in a config file, placed at `file:line:column` with its YAML path;
/// `ConfigError` carries all of them.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem; the raw value is a stable snake_case name for tests and tools.
    public enum Code: String, Sendable, Hashable {
        /// The config file does not exist or is not UTF-8 text.
        case fileUnreadable = "file_unreadable"
        /// The text is not valid YAML.
        case yamlSyntax = "yaml_syntax"
        /// A stage names a kind no registered `StageKind` has.
        case unknownStage = "unknown_stage"
        /// A key the section or stage config does not define (configs decode strictly).
        case unknownField = "unknown_field"
        /// A value of the wrong YAML shape (a string where a number is expected, ...).
        case wrongType = "wrong_type"
        /// A required key is absent, or the file is empty.
        case missingField = "missing_field"
        /// A value of the right type that its section or stage refuses (out of range, ...).
        case invalidValue = "invalid_value"
        /// A stage's input type is not the previous stage's output type, or the last stage
        /// after persist does not produce `RollupDelta`.
        case typeMismatch = "type_mismatch"
        /// No queue stage in the list (or the list is empty).
        case missingQueue = "missing_queue"
        /// More than one queue stage.
        case duplicateQueue = "duplicate_queue"
        /// No persist stage after the queue.
        case missingPersist = "missing_persist"
        /// Persist before the queue, or a stage after persist that is not an
        /// `InTransactionStage`.
        case misplacedStage = "misplaced_stage"
        /// A `${NAME}` whose environment variable is not set.
        case unsetVariable = "unset_variable"
        /// `sources:` names a source no registered `Source` has.
        case unknownSource = "unknown_source"
        /// A source listed twice, or two sources answering the same method and path.
        case duplicateSource = "duplicate_source"
    }

    /// What kind of problem.
    public var code: Code
    /// Path of the config file as given to `PipelineDocument.load` or `parse`.
    public var file: String
    /// 1-based; 0 when the problem has no single place (the file as a whole).
    public var line: Int
    /// 1-based column; 0 when `line` is 0.
    public var column: Int
    /// Where in the document, e.g. `stages[2].validate.max_batch`.
    public var path: String
    /// What is wrong and what was expected, with a "did you mean" when a known name is close.
    public var message: String

    /// Memberwise; `line` and `column` 0 for a problem of the whole file.
    public init(code: Code, file: String, line: Int, column: Int, path: String, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `FILE:LINE:COLUMN: PATH: MESSAGE` (place and path left out when unknown), as
    /// `smolhogd` prints it.
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
    }
}

/// Loading a config failed; `issues` holds every problem found, in file order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// Every problem found, sorted by line then column; never empty when thrown.
    public var issues: [ConfigIssue]
    /// Sorts `issues` into file order (line, then column).
    public init(issues: [ConfigIssue]) { self.issues = issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) } }
    /// `config has N problems:` followed by one indented `ConfigIssue` line each.
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
