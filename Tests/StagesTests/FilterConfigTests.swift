// `filter` configs are checked when the config loads: each mistake is reported at its
// pipeline.yaml line and column with what is expected, all of them at once; and the stage
// stands on either path, before persist.

import Foundation
import Testing

@testable import PipelineKit
@testable import Stages

@Suite struct FilterConfigTests {
    /// A pipeline with `filter` (its value, as YAML lines at 6 spaces) as stage 1, on line 3.
    func pipeline(_ filter: String) -> String {
        """
        stages:
          - validate
          - filter:
        \(filter)
          - queue: {embedded: {path: data/queue.sqlite}}
          - persist: {sqlite: {path: data/smolhog.sqlite}}
          - aggregate
        """
    }

    func place(_ issue: ConfigIssue?) -> String? { issue.map { "\($0.line):\($0.column)" } }

    /// The example under "### `filter`" in docs/configuration.md, as a pipeline's stage.
    static func documentedExample() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let section = try #require(doc.range(of: "### `filter`"))
        let open = try #require(doc.range(of: "```yaml\n", range: section.upperBound..<doc.endIndex))
        let close = try #require(doc.range(of: "```", range: open.upperBound..<doc.endIndex))
        return String(doc[open.upperBound..<close.lowerBound])
    }

    @Test func theDocumentedExampleCompiles() throws {
        let example = try Self.documentedExample()
        #expect(example.hasPrefix("  - filter:\n"))
        let graph = try compile(
            "stages:\n  - validate\n" + example + "  - queue: {embedded: {path: data/queue.sqlite}}\n  - persist: {sqlite: {path: data/smolhog.sqlite}}\n")
        let config = try #require(graph.stages[1].config(as: FilterStageKind.self))
        #expect(config.rules.map(\.name) == ["drop-internal", "drop-staff", "production-only", "keep-10pct-of-heartbeats", "rule-5"])
        #expect(config.propertyKeys == ["email", "$host", "plan"])
    }

    @Test func aBadRegexIsReportedAtThePatternWithTheParsersComplaint() {
        let found = issues(pipeline(#"      - drop_if: {property: email, regex: "@example(\\.com$"}"#))
        #expect(found.count == 1)
        #expect(place(found.first) == "4:43")
        #expect(found.first?.path == "stages[1].filter[0].drop_if.regex")
        #expect(found.first?.message == #"'@example(\.com$' is not a valid regular expression: expected ')'"#)
        #expect(found.first?.description.hasPrefix("pipeline.yaml:4:43: ") == true)
    }

    @Test func anUnknownConditionKeyIsNamedWithASuggestion() {
        let found = issues(pipeline(#"      - drop_if: {property: email, regx: "x"}"#))
        #expect(place(found.first) == "4:36")
        #expect(found.first?.code == .unknownField)
        #expect(found.first?.message.hasPrefix("unknown field 'regx' (did you mean 'regex'?); expected one of: all, any, equals, event") == true)
    }

    @Test func anUnknownRuleKeyIsNamedWithASuggestion() {
        let found = issues(pipeline("      - drop_event: [a]"))
        #expect(place(found.first) == "4:9")
        #expect(found.first?.message.hasPrefix("unknown field 'drop_event' (did you mean 'drop_events'?)") == true, "\(found)")
    }

    @Test func aRateOutOfRangeIsReportedAtTheRate() {
        let found = issues(pipeline("      - when: {event: heartbeat}\n        sample: 1.5"))
        #expect(place(found.first) == "5:17")
        #expect(found.first?.message.contains("expected a rate from 0 to 1") == true)
        #expect(found.first?.message.hasSuffix("got 1.5") == true)
        #expect(issues(pipeline("      - sample: -0.1")).count == 1)
        #expect(issues(pipeline("      - sample: ten")).first?.message.contains("got 'ten'") == true)
        #expect(issues(pipeline("      - sample: 0\n      - sample: 1")).isEmpty, "0 and 1 are rates")
    }

    @Test func anEmptyRuleOrAnEmptyFilterIsAnError() {
        let empty = issues(pipeline("      - {}"))
        #expect(place(empty.first) == "4:9")
        #expect(empty.first?.message == "the rule has no action; expected one of: drop_events, drop_if, keep_if, sample")
        let named = issues(pipeline("      - name: lonely"))
        #expect(named.first?.message.hasPrefix("the rule has no action") == true)
        let emptyCondition = issues(pipeline("      - drop_if: {}"))
        #expect(place(emptyCondition.first) == "4:18")
        #expect(emptyCondition.first?.message.hasPrefix("empty condition") == true)
        let noRules = issues(pipeline("      []"))
        #expect(place(noRules.first) == "4:7")
        #expect(noRules.first?.message.hasPrefix("expected at least one rule") == true)
        let bare = issues("stages:\n  - validate\n  - filter\n  - queue: {embedded: {}}\n  - persist: {sqlite: {}}\n")
        #expect(bare.first?.message.contains("stage 'filter' needs a configuration; expected a list of rules") == true, "\(bare)")
    }

    @Test func everyMistakeIsReportedAtOnceAtItsLine() {
        let found = issues(
            pipeline(
                """
                      - drop_if: {property: "a..b", exists: true}
                      - drop_if: {field: user, equals: x}
                      - drop_if: {field: user_id, gt: 3}
                      - drop_if: {event: 404}
                      - drop_if: {all: []}
                      - drop_if: {property: p, equals: 1, in: [1]}
                      - drop_events: [a]
                        sample: 0.5
                      - name: a
                        drop_events: [x]
                      - name: a
                        keep_if: {not: {property: p, equals: ~}}
                """))
        #expect(found.map(\.line) == [4, 5, 6, 7, 8, 9, 11, 14, 15], "\(found)")
        let messages = found.map(\.message)
        #expect(messages.count == 9)
        guard messages.count == 9 else { return }
        #expect(messages[0].contains("'a..b' has an empty key") && messages[0].contains(#"(["utm.source"])"#))
        #expect(messages[1].hasPrefix("unknown field 'user'; expected one of: event_name, user_id, session_id, event_id"))
        #expect(messages[2] == "'gt' compares numbers, and user_id is a string; use equals, in or regex")
        #expect(messages[3].hasSuffix(#"got 404; quote it to mean the text ("404")"#))
        #expect(messages[4] == "expected a non-empty list of conditions, got an empty list")
        #expect(messages[5].hasPrefix("one test per condition, got 'equals' and 'in'"))
        #expect(messages[6] == "a rule takes one action, this one has 'drop_events' and 'sample'; write two rules")
        #expect(messages[7].hasPrefix("the name 'a' is taken by filter[7]"))
        #expect(messages[8].hasSuffix("got null; to test for a missing or null property, use exists: false"))
    }

    @Test func aDefaultNameTakenByANamedRuleIsAnError() {
        let found = issues(pipeline("      - name: rule-2\n        drop_events: [a]\n      - drop_events: [b]"))
        #expect(place(found.first) == "6:9")
        #expect(found.first?.message.hasPrefix("this rule's default name 'rule-2' is taken by filter[0]") == true)
    }

    @Test func theStageStandsOnEitherPathBeforePersist() throws {
        let graph = try compile(
            """
            stages:
              - validate
              - filter: [{drop_events: [a]}]
              - queue: {embedded: {path: data/queue.sqlite}}
              - filter: [{drop_events: [b]}]
              - persist: {sqlite: {path: data/smolhog.sqlite}}
              - aggregate
            """)
        #expect(graph.stages.filter { $0.name == "filter" }.map { graph.placement(of: $0) } == [.ingest, .worker])

        let beforeValidate = issues("stages:\n  - filter: [{drop_events: [a]}]\n  - validate\n  - queue: {embedded: {}}\n  - persist: {sqlite: {}}\n")
        #expect(
            beforeValidate.contains {
                $0.code == .typeMismatch && $0.line == 2 && $0.message.contains("takes Event but the HTTP ingest layer produces RawEvent")
            })
        let afterPersist = issues("stages:\n  - validate\n  - queue: {embedded: {}}\n  - persist: {sqlite: {}}\n  - filter: [{drop_events: [a]}]\n")
        #expect(afterPersist.contains { $0.code == .misplacedStage && $0.line == 5 && $0.message.contains("cannot follow persist") }, "\(afterPersist)")
    }
}
