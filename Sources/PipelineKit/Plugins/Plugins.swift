// Plugins: everything a config may name, at every level (sources, stage kinds, queue and
// store drivers). The server library takes one value of it; a team's own daemon passes the
// built-in plugins plus its own.

/// The registries a pipeline is compiled against.
///
/// ```swift
/// await SmolHogServer.main(plugins: try Plugins.builtIn.adding(stages: [PlanLookupStageKind.self]))
/// ```
public struct Plugins: Sendable {
    /// Stage kinds by their name under `stages:`.
    public var stages: StageRegistry
    /// Queue and store drivers by their name under `- queue:` and `- persist:`.
    public var drivers: DriverRegistry
    /// Sources (wire formats) by their name under `sources:`.
    public var sources: SourceRegistry

    /// Plugins made of these registries; empty ones by default.
    public init(stages: StageRegistry = StageRegistry(), drivers: DriverRegistry = DriverRegistry(), sources: SourceRegistry = SourceRegistry()) {
        self.stages = stages
        self.drivers = drivers
        self.sources = sources
    }

    /// These plugins and the given ones; throws when a name is taken at its level.
    public func adding(
        sources: [any Source.Type] = [], stages: [any StageKind.Type] = [], queues: [any QueueDriver.Type] = [], stores: [any StoreDriver.Type] = []
    ) throws(RegistryError) -> Plugins {
        var copy = self
        for source in sources { try copy.sources.register(source) }
        for kind in stages { try copy.stages.register(kind) }
        for driver in queues { try copy.drivers.register(queue: driver) }
        for driver in stores { try copy.drivers.register(store: driver) }
        return copy
    }
}
