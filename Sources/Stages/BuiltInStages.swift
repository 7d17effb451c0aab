// The explicit list of built-in stage kinds. A team's own kind is added to the registry
// with one `register` call (see README, "Your own stage").

public import PipelineKit

extension StageRegistry {
    /// Every stage kind that ships with SmolHog.
    public static let builtInKinds: [any StageKind.Type] = [
        ValidateStageKind.self,
        EnrichStageKind.self,
        QueueStageKind.self,
        PersistStageKind.self,
        AggregateStageKind.self,
    ]

    /// A registry with the built-in kinds.
    public static func builtIn() -> StageRegistry {
        var registry = StageRegistry()
        for kind in builtInKinds {
            // Names in the list above are distinct; a clash would be a programming error
            // caught by StagesTests.
            try? registry.register(kind)
        }
        return registry
    }
}
