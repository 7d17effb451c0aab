// StageKind: how a stage is declared to the registry. A kind is a name, a strict Decodable
// config, an I/O-free check, and a build step that may do I/O.

/// Declares one kind of stage (`validate`, `enrich`, your own): its YAML name, its config
/// type, and how to build the running stage from that config.
///
/// ```swift
/// struct TagStageKind: StageKind {
///     struct Config: Decodable, Sendable { var tag: String }
///     static let name = "tag"
///     static func build(_ config: Config, context: BuildContext) async throws -> TagStage { TagStage(tag: config.tag) }
/// }
/// ```
/// The config is decoded strictly: an unknown key is an error pointing at its line.
public protocol StageKind: Sendable {
    /// The stage's config, decoded strictly from the YAML value under its name.
    associatedtype Config: Decodable & Sendable
    /// The running stage `build` returns.
    associatedtype Built: Stage
    /// The key under `stages:` in pipeline.yaml (snake_case).
    static var name: String { get }
    /// The config used when the YAML gives the stage no value (`- aggregate`); nil when a value is required.
    static var defaultConfig: Config? { get }
    /// Checks the config without I/O; each problem names the field and what is expected.
    static func check(_ config: Config) -> [ConfigProblem]
    /// Builds the running stage. May connect to services.
    static func build(_ config: Config, context: BuildContext) async throws -> Built
}

extension StageKind {
    /// Default: nil, so the stage needs a value in the YAML.
    public static var defaultConfig: Config? { nil }
    /// Default: no problems beyond what decoding finds.
    public static func check(_ config: Config) -> [ConfigProblem] { [] }
    static var inputType: any Any.Type { Built.Input.self }
    static var outputType: any Any.Type { Built.Output.self }
}

/// A problem found in a stage's config by `StageKind.check`, before it is placed in the file.
public struct ConfigProblem: Sendable, Hashable {
    /// Path of keys below the stage's node (`["max_batch"]`), to point at the right line.
    public var path: [String]
    /// What is wrong and what is expected, for the config report (`must be at least 1, got 0`).
    public var message: String
    /// A problem at `path` below the stage's node (empty: the node itself).
    public init(path: [String] = [], _ message: String) {
        self.path = path
        self.message = message
    }
}
