// StageRegistry: the explicit list of stage kinds a config may name. No linker tricks: the
// list is built in code, and a duplicate name is an error.

/// Maps names in pipeline.yaml to stage kinds.
public struct StageRegistry: Sendable {
    /// Kinds by `StageKind.name`; each name once.
    public private(set) var kinds: [String: any StageKind.Type] = [:]

    /// An empty registry.
    public init() {}

    /// A registry holding `kinds`; throws on a duplicate name.
    public init(_ kinds: [any StageKind.Type]) throws(RegistryError) {
        for kind in kinds { try register(kind) }
    }

    /// Adds a kind. Throws when another kind already has its name.
    public mutating func register(_ kind: any StageKind.Type) throws(RegistryError) {
        if let existing = kinds[kind.name] {
            throw RegistryError(plugin: "stage kind", name: kind.name, existing: String(describing: existing), new: String(describing: kind))
        }
        kinds[kind.name] = kind
    }

    /// The registered names, sorted; the "expected one of" list of config errors.
    public var names: [String] { kinds.keys.sorted() }
    /// The kind registered under `name`, or nil.
    public subscript(name: String) -> (any StageKind.Type)? { kinds[name] }
}

/// Two plugins of one level claimed the same name.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    /// "stage kind", "queue driver", "store driver".
    public var plugin: String
    /// The name both plugins claim.
    public var name: String
    /// Type name of the plugin registered first.
    public var existing: String
    /// Type name of the plugin whose registration failed.
    public var new: String
    /// `PLUGIN name 'NAME' is registered twice (EXISTING and NEW)`.
    public var description: String { "\(plugin) name '\(name)' is registered twice (\(existing) and \(new))" }
}
