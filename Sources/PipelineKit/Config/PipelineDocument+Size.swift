// PipelineDocument's bound on a composed config's size. Yams composes an alias as a copy of
// its anchor's node, so a few lines of nested aliases can stand for billions of nodes; every
// walk after composing (substitution, decoding) would visit each one.

internal import Yams

extension PipelineDocument {
    /// Most nodes a config may hold once its aliases are expanded. A real pipeline.yaml holds
    /// about a hundred; a config past this is refused before anything walks it.
    static let maxExpandedNodes = 100_000

    /// Whether `root`, aliases expanded, holds more than `limit` nodes. Stops counting at the
    /// limit, so it costs at most `limit` steps whatever the aliases stand for.
    static func exceedsNodeLimit(_ root: Node, limit: Int) -> Bool {
        var count = 1
        var pending = [root]
        while let node = pending.popLast() {
            switch node {
            case .mapping(let mapping):
                count += 2 * mapping.count
                if count > limit { return true }
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            case .sequence(let sequence):
                count += sequence.count
                if count > limit { return true }
                pending.append(contentsOf: sequence)
            case .scalar, .alias:
                break
            }
        }
        return false
    }
}
