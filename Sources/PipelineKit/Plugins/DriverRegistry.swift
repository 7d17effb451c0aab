// DriverRegistry: the explicit lists of queue and store drivers a config may name under
// `- queue:` and `- persist:`. Adding a driver is one `register` call; nothing switches on
// driver names anywhere else.

/// Maps names in pipeline.yaml to queue and store drivers.
public struct DriverRegistry: Sendable {
    /// Queue drivers by `QueueDriver.name`; each name once.
    public private(set) var queues: [String: any QueueDriver.Type] = [:]
    /// Store drivers by `StoreDriver.name`; each name once.
    public private(set) var stores: [String: any StoreDriver.Type] = [:]

    /// An empty registry.
    public init() {}

    /// Adds a queue driver. Throws when another queue driver already has its name.
    public mutating func register(queue driver: any QueueDriver.Type) throws(RegistryError) {
        if let existing = queues[driver.name] {
            throw RegistryError(plugin: "queue driver", name: driver.name, existing: String(describing: existing), new: String(describing: driver))
        }
        queues[driver.name] = driver
    }

    /// Adds a store driver. Throws when another store driver already has its name.
    public mutating func register(store driver: any StoreDriver.Type) throws(RegistryError) {
        if let existing = stores[driver.name] {
            throw RegistryError(plugin: "store driver", name: driver.name, existing: String(describing: existing), new: String(describing: driver))
        }
        stores[driver.name] = driver
    }

    /// The queue driver names, sorted; the "expected one of" list of config errors.
    public var queueNames: [String] { queues.keys.sorted() }
    /// The store driver names, sorted; the "expected one of" list of config errors.
    public var storeNames: [String] { stores.keys.sorted() }
}
