// Where a team registers its own stage kinds: add one line to `customStageKinds`.
// See README "Your own stage".

import PipelineKit
import Stages

/// Stage kinds added on top of the built-in ones, e.g. `[TagStageKind.self]`.
let customStageKinds: [any StageKind.Type] = []

extension StageRegistry {
    /// The registry smolhogd uses: built-in kinds plus `customStageKinds`.
    static func smolhogd() throws -> StageRegistry {
        try StageRegistry(StageRegistry.builtInKinds + customStageKinds)
    }
}
