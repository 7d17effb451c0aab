// PipelineDocument: pipeline.yaml read, parsed into nodes (each with its line and column)
// and `${VAR}`-substituted. Owns file reading and environment lookup; knows nothing of stages.

import Foundation
internal import Yams

/// A config file read and composed, before any stage is looked at.
public struct PipelineDocument: @unchecked Sendable {
    // @unchecked: Yams.Node holds class references (anchors) but is never mutated after load.
    /// Path of the config file as given to `load` (or the name given to `parse`); every
    /// `ConfigIssue` names it.
    public let file: String
    let root: Node
    /// Problems found while loading (unset variables), reported with the compiler's.
    let issues: [ConfigIssue]
    /// The variables `${VAR}` was substituted from; a stage config that names a variable
    /// (the `hash` step's secret) reads it here, so tests can hand one in.
    let environment: [String: String]

    /// Reads and composes `file`, substituting `${VAR}` in scalars from `environment`.
    /// Throws a `ConfigError` naming the file (and line, for YAML syntax) when it cannot.
    public static func load(file: String, environment: [String: String]? = nil) throws(ConfigError) -> PipelineDocument {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read as UTF-8 text" : "does not exist"
            throw ConfigError(issues: [
                ConfigIssue(
                    code: .fileUnreadable, file: file, line: 0, column: 0, path: "",
                    message: "config file \(reason); expected a YAML file (see pipeline.yaml in the repository)")
            ])
        }
        return try parse(text, file: file, environment: environment ?? ProcessInfo.processInfo.environment)
    }

    /// Composes YAML text (used by `load` and by tests). A text whose aliases expand past
    /// `maxExpandedNodes` nodes is a `ConfigError`, before anything walks it.
    public static func parse(_ text: String, file: String = "pipeline.yaml", environment: [String: String] = [:]) throws(ConfigError) -> PipelineDocument {
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(issues: [syntaxIssue(error, file: file)])
        } catch {
            throw ConfigError(issues: [ConfigIssue(code: .yamlSyntax, file: file, line: 0, column: 0, path: "", message: "\(error)")])
        }
        guard let root = composed else {
            throw ConfigError(issues: [
                ConfigIssue(code: .missingField, file: file, line: 1, column: 1, path: "", message: "config is empty; expected a mapping with a 'stages' list")
            ])
        }
        guard !exceedsNodeLimit(root, limit: maxExpandedNodes) else {
            throw ConfigError(issues: [
                ConfigIssue(
                    code: .yamlSyntax, file: file, line: 1, column: 1, path: "",
                    message: "config holds more than \(maxExpandedNodes) nodes once its aliases are expanded; expected a smaller config")
            ])
        }
        var issues: [ConfigIssue] = []
        let substituted = substitute(root, path: [], environment: environment, file: file, issues: &issues)
        return PipelineDocument(file: file, root: substituted, issues: issues, environment: environment)
    }

    /// Directory holding the file, for resolving relative paths.
    public var directory: String {
        let url = URL(fileURLWithPath: file).deletingLastPathComponent()
        return url.path
    }

    private static func syntaxIssue(_ error: YamlError, file: String) -> ConfigIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.joined(separator: " ")
            return ConfigIssue(code: .yamlSyntax, file: file, line: mark.line, column: mark.column, path: "", message: "YAML syntax error: \(what)")
        case .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.joined(separator: " ")
            return ConfigIssue(code: .yamlSyntax, file: file, line: mark.line, column: mark.column, path: "", message: "YAML error: \(what)")
        default:
            return ConfigIssue(code: .yamlSyntax, file: file, line: 0, column: 0, path: "", message: "YAML error: \(error)")
        }
    }

    /// Replaces `${NAME}` in every scalar. An unset variable is an issue at the scalar's mark;
    /// `$${` stays a literal `${`.
    private static func substitute(_ node: Node, path: [String], environment: [String: String], file: String, issues: inout [ConfigIssue]) -> Node {
        switch node {
        case .scalar(var scalar):
            guard scalar.string.contains("${") else { return node }
            var output = ""
            var rest = Substring(scalar.string)
            while let start = rest.range(of: "${") {
                if start.lowerBound > rest.startIndex, rest[rest.index(before: start.lowerBound)] == "$" {
                    output += rest[rest.startIndex..<rest.index(before: start.lowerBound)] + "${"
                    rest = rest[start.upperBound...]
                    continue
                }
                output += rest[rest.startIndex..<start.lowerBound]
                guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                    output += rest[start.lowerBound...]
                    rest = rest[rest.endIndex...]
                    break
                }
                let name = String(rest[start.upperBound..<end])
                if let value = environment[name] {
                    output += value
                } else {
                    issues.append(
                        ConfigIssue(
                            code: .unsetVariable, file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, path: render(path),
                            message: "environment variable '\(name)' is not set; expected it to be set for '${\(name)}'"))
                }
                rest = rest[rest.index(after: end)...]
            }
            output += rest
            scalar.string = output
            return .scalar(scalar)
        case .mapping(var mapping):
            for (key, value) in mapping {
                mapping[key] = substitute(value, path: path + [key.string ?? "?"], environment: environment, file: file, issues: &issues)
            }
            return .mapping(mapping)
        case .sequence(var sequence):
            for index in sequence.indices {
                sequence[index] = substitute(sequence[index], path: path + ["[\(index)]"], environment: environment, file: file, issues: &issues)
            }
            return .sequence(sequence)
        case .alias:
            return node
        }
    }
}

/// Renders a path of keys as `stages[2].validate.max_batch`.
func render(_ path: [String]) -> String {
    var text = ""
    for part in path {
        if part.hasPrefix("[") || text.isEmpty { text += part } else { text += "." + part }
    }
    return text
}
