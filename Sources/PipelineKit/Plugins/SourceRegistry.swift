// SourceRegistry: the explicit list of sources (wire formats) a config may name under
// `sources:`. No linker tricks: the list is built in code, and a duplicate name is an error.

/// Maps names under `sources:` in pipeline.yaml to sources.
public struct SourceRegistry: Sendable {
    /// Sources by `Source.name`; each name once.
    public private(set) var sources: [String: any Source.Type] = [:]

    /// An empty registry.
    public init() {}

    /// A registry holding `sources`; throws on a duplicate name.
    public init(_ sources: [any Source.Type]) throws(RegistryError) {
        for source in sources { try register(source) }
    }

    /// Adds a source. Throws when another source already has its name.
    public mutating func register(_ source: any Source.Type) throws(RegistryError) {
        if let existing = sources[source.name] {
            throw RegistryError(plugin: "source", name: source.name, existing: String(describing: existing), new: String(describing: source))
        }
        sources[source.name] = source
    }

    /// The registered names, sorted; the "expected one of" list of config errors.
    public var names: [String] { sources.keys.sorted() }
    /// The source registered under `name`, or nil.
    public subscript(name: String) -> (any Source.Type)? { sources[name] }
}
