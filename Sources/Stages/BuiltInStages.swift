// The explicit lists of built-in plugins: sources, stage kinds and drivers. A team's own are
// added with `Plugins.builtIn.adding(sources:stages:queues:stores:)` (docs/extending.md).

public import PipelineKit

extension StageRegistry {
    /// Every stage kind that ships with SmolHog.
    public static let builtInKinds: [any StageKind.Type] = [
        ValidateStageKind.self,
        EnrichStageKind.self,
        FilterStageKind.self,
        QueueStageKind.self,
        PersistStageKind.self,
        AggregateStageKind.self,
        PersonsStageKind.self,
    ]
}

extension Plugins {
    /// Every source (wire format) that ships with SmolHog.
    public static let builtInSources: [any Source.Type] = [NativeSource.self, PostHogSource.self, SegmentSource.self]
    /// Every queue driver that ships with SmolHog.
    public static let builtInQueues: [any QueueDriver.Type] = [EmbeddedQueueDriver.self, RabbitMQQueueDriver.self]
    /// Every store driver that ships with SmolHog.
    public static let builtInStores: [any StoreDriver.Type] = [SQLiteStoreDriver.self, PostgresStoreDriver.self]

    /// The sources, stage kinds and drivers that ship with SmolHog. The in-memory twins
    /// (`MemoryQueueDriver`, `MemoryStoreDriver`) are not among them: they keep nothing
    /// across a restart, so a 2xx from them would promise nothing. Tests add them.
    public static var builtIn: Plugins {
        // The names in the lists above are distinct; StagesTests checks that `builtInOrThrow` builds.
        (try? builtInOrThrow()) ?? Plugins()
    }

    /// `builtIn`, or the name clash that stops it from building.
    public static func builtInOrThrow() throws(RegistryError) -> Plugins {
        try Plugins().adding(sources: builtInSources, stages: StageRegistry.builtInKinds, queues: builtInQueues, stores: builtInStores)
    }
}
