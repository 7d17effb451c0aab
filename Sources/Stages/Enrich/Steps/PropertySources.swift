// PropertySources: where a derived step reads its input, a list of property names tried in
// order, each a top-level key or a dotted path into objects (`context.page.url`, where
// Segment's SDKs put the page), read in the same walk as the step's other keys.

import PipelineKit

/// An ordered list of property references; the first holding a non-empty string wins.
/// A reference with a dot is a path (`context.userAgent`: member `userAgent` of the
/// top-level object `context`); top-level keys with a dot cannot be named.
struct PropertySources: Sendable {
    /// Each reference split at its dots.
    let paths: [[String]]
    /// The distinct top-level keys the paths start with, in first-use order.
    let topKeys: [String]

    init(_ references: [String]) {
        paths = references.map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
        var seen: [String] = []
        for path in paths where !seen.contains(path[0]) { seen.append(path[0]) }
        topKeys = seen
    }

    /// The first non-empty string the references reach, given `value(i)`, the value of
    /// `topKeys[i]`.
    func firstString(_ value: (Int) -> JSONValue?) -> String? {
        for path in paths {
            guard let index = topKeys.firstIndex(of: path[0]), var found = value(index) else { continue }
            for key in path.dropFirst() {
                guard let next = found.objectValue?[key] else {
                    found = .null
                    break
                }
                found = next
            }
            if case .string(let text) = found, !text.isEmpty { return text }
        }
        return nil
    }
}
