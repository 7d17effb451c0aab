// Config text that tries to cost unbounded time or memory: found by the `config` fuzz target
// (Fuzz/Targets/config); each input here failed before its fix.

import PipelineKit
import Testing

@Suite struct PipelineDocumentHostileTests {
    /// Six lines of nested aliases that stand for a million scalars.
    static let aliasBomb =
        (["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        + zip("abcde", "bcdef").map { previous, name in
            "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]"
        }).joined(separator: "\n")

    @Test func aliasesThatExpandPastTheLimitAreAConfigError() {
        #expect {
            _ = try PipelineDocument.parse(Self.aliasBomb)
        } throws: { error in
            guard let error = error as? ConfigError, let issue = error.issues.first else { return false }
            return issue.code == .yamlSyntax && issue.message.contains("aliases")
        }
    }

    @Test func aFewAliasesStillCompose() throws {
        let document = try PipelineDocument.parse("base: &b {max_batch: 5}\nstages:\n  - check: *b\n  - check: *b\n")
        #expect(document.file == "pipeline.yaml")
    }
}
