// isIllegalPersonID: the wire formats' name for the rule in PipelineKit's `PersonID` (ids
// such as `anonymous` or `null` that must never become a merge target), and a small text
// helper the mappings share.

import PipelineKit

/// `PersonID.isIllegal(id)`: whether `id` must never be a merge target.
public func isIllegalPersonID(_ id: String) -> Bool { PersonID.isIllegal(id) }

extension String {
    /// Without leading and trailing characters from `set`.
    func trimming(_ set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
