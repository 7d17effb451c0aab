// PlanTable: the `user_id,plan` CSV, read once when the stage is built.

import Foundation

/// Plans by user id.
struct PlanTable: Sendable {
    private let plans: [String: String]
    var count: Int { plans.count }
    subscript(user: String) -> String? { plans[user] }

    /// Reads `path`: a `user_id,plan` header, then one user per line; blank lines are skipped.
    /// Errors name the file and line.
    init(csvAt path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PlanTableError("\(path): cannot read the file; expected a UTF-8 CSV with a 'user_id,plan' header")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().makeIterator()
        guard let (_, header) = lines.next(), header.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) == ["user_id", "plan"] else {
            throw PlanTableError("\(path):1: expected the header 'user_id,plan'")
        }
        var plans: [String: String] = [:]
        while let (index, line) = lines.next() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw PlanTableError("\(path):\(index + 1): expected 'user_id,plan', got '\(line)'")
            }
            plans[fields[0]] = fields[1]
        }
        self.plans = plans
    }
}

/// The plans file could not be read; the message names the file and line.
public struct PlanTableError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
