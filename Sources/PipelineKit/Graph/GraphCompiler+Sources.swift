// GraphCompiler+Sources: `sources:` → [CheckedSource]. Each entry names a registered source
// (`- native` or `- native: {options}`), its options decoded strictly and checked; no source
// twice, no two sources on one method and path. Absent: `native` alone, as before sources.

internal import Yams

extension GraphCompiler {
    /// The sources served when `sources:` is absent: the native format, when registered.
    static let defaultSourceNames = ["native"]

    static func compileSources(
        _ node: Node?, registry: SourceRegistry, issue: (ConfigIssue.Code, Place?, [String], String) -> Void, record: ([NodeProblem]) -> Void
    ) -> [CheckedSource] {
        guard let node else {
            return defaultSourceNames.compactMap { name in
                registry[name].flatMap { source in
                    (try? decodeSourceConfig(source, node: nil, path: ["sources"]).get()).map {
                        CheckedSource(name: name, source: source, config: $0.0, index: 0, line: 0, column: 0)
                    }
                }
            }
        }
        guard case .sequence(let sequence) = node else {
            issue(.wrongType, Place(node.mark), ["sources"], "expected a list of sources (e.g. [native]), got \(describe(node))")
            return []
        }
        if sequence.isEmpty {
            issue(
                .missingField, Place(sequence.mark), ["sources"],
                "the source list is empty; expected at least one of: \(registry.names.joined(separator: ", "))")
        }
        var sources: [CheckedSource] = []
        for (index, entry) in sequence.enumerated() {
            guard let source = compileSource(entry, index: index, registry: registry, issue: issue, record: record) else { continue }
            if let first = sources.first(where: { $0.name == source.name }) {
                issue(
                    .duplicateSource, Place(line: source.line, column: source.column), ["sources", "[\(index)]"],
                    "source '\(source.name)' is listed twice (first at line \(first.line)); expected each source once")
                continue
            }
            for other in sources {
                if let clash = source.routeKeys.first(where: other.routeKeys.contains) {
                    issue(
                        .duplicateSource, Place(line: source.line, column: source.column), ["sources", "[\(index)]"],
                        "source '\(source.name)' answers \(clash) like source '\(other.name)' (line \(other.line)); expected one source per method and path")
                }
            }
            sources.append(source)
        }
        return sources
    }

    private static func compileSource(
        _ entry: Node, index: Int, registry: SourceRegistry, issue: (ConfigIssue.Code, Place?, [String], String) -> Void,
        record: ([NodeProblem]) -> Void
    ) -> CheckedSource? {
        guard let (name, configNode, nameMark) = entry.namedEntry else {
            issue(.wrongType, Place(entry.mark), ["sources", "[\(index)]"], "expected one source as '- name' or '- name: {options}', got \(describe(entry))")
            return nil
        }
        let path = ["sources", "[\(index)]", name]
        guard let source = registry[name] else {
            issue(
                .unknownSource, Place(nameMark), ["sources", "[\(index)]"],
                "unknown source '\(name)'\(didYouMean(name, in: registry.names)); expected one of: \(registry.names.joined(separator: ", "))")
            return nil
        }
        switch decodeSourceConfig(source, node: configNode, path: path) {
        case .success(let (config, problems)):
            for problem in problems {
                let target = locate(problem.path, in: configNode) ?? configNode ?? entry
                issue(.invalidValue, Place(target.mark), path + problem.path, problem.message)
            }
            return CheckedSource(name: name, source: source, config: config, index: index, line: nameMark?.line ?? 0, column: nameMark?.column ?? 0)
        case .failure(let problems):
            record(problems.items)
            return nil
        }
    }

    /// Opens the source to decode its options (an empty mapping when the entry has none) and
    /// run its check.
    private static func decodeSourceConfig<S: Source>(_ source: S.Type, node: Node?, path: [String]) -> Result<(any Sendable, [ConfigProblem]), NodeProblems> {
        decodeStrictly(S.Config.self, from: node ?? .mapping(Node.Mapping([])), path: path).map { config in (config, S.check(config)) }
    }
}

/// One entry of `sources:` after compilation: the source, its decoded options, and where it
/// was listed.
public struct CheckedSource: Sendable {
    /// The source's name as listed (`native`).
    public let name: String
    /// The registered source that decoded the options and builds it.
    public let source: any Source.Type
    let config: any Sendable
    /// 0-based position in the `sources` list.
    public let index: Int
    /// 1-based line of the name in the config file; 0 when `sources:` is absent (the default).
    public let line: Int
    /// 1-based column of the name; 0 when unknown.
    public let column: Int

    /// The routes the source answers.
    public var routes: [SourceRoute] { source.routes }

    /// The decoded options, when this source is `S`.
    public func config<S: Source>(as source: S.Type) -> S.Config? {
        source == self.source ? config as? S.Config : nil
    }

    /// `METHOD PATH` for every method and path the source answers.
    var routeKeys: [String] { routes.flatMap { route in route.methods.map { "\($0.rawValue) \(route.normalizedPath)" } } }

    /// Builds the running source (see `Source.build`).
    func build(context: BuildContext) async throws -> RunningSource {
        try await open(source, context: context)
    }

    private func open<S: Source>(_ source: S.Type, context: BuildContext) async throws -> RunningSource {
        guard let config = config as? S.Config else { throw GraphBuildError("options of source '\(name)' have the wrong type") }
        let built = try await S.build(config, context: context)
        return RunningSource(name: name, routes: S.routes, receive: built.receive)
    }
}

/// A built source, its type erased: what the HTTP server registers on each of `routes`.
package struct RunningSource: Sendable {
    /// The source's name (`IngestContext.source`).
    package let name: String
    /// The routes it answers.
    package let routes: [SourceRoute]
    /// Answers one request (see `Source.receive`).
    package let receive: @Sendable (SourceRequest, SourceIngest) async throws -> SourceResponse
}
