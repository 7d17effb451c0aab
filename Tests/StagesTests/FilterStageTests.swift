// The `filter` stage over batches: rules run in order and the first that drops an event
// counts it; dropped events are filtered (counted in the batch), never rejected; sampling by
// user_id is deterministic, nested across rates, and keeps about its rate of users.

import Testing

@testable import PipelineKit
@testable import Stages

@Suite struct FilterStageTests {
    @Test func theFirstRuleThatDropsAnEventCountsItAndTheBatchCountsItAsFiltered() async throws {
        let stage = try await filterStage(
            """
            - name: internal
              drop_events: [$feature_flag_called, $pageleave]
            - name: staff
              drop_if: {property: email, regex: "@example\\\\.com$"}
            - name: no-plan
              drop_if: {not: {property: plan, exists: true}}
            """)
        var batch = Batch([
            try textEvent("e0", name: "$pageleave", json: #"{"email":"ada@example.com"}"#),
            try textEvent("e1", json: #"{"email":"ada@example.com","plan":"pro"}"#),
            try textEvent("e2", json: #"{"email":"bob@customer.org","plan":"pro"}"#),
            try textEvent("e3", json: #"{"email":"bob@customer.org"}"#),
            try textEvent("e4", name: "$feature_flag_called"),
            try textEvent("e5", json: #"{"plan":"free"}"#),
        ])
        batch.rejections = [Rejection(index: 6, field: "user_id", reason: "is required")]
        let (kept, dropped) = stage.filter(batch)
        #expect(kept.items.map(\.eventID) == ["e2", "e5"])
        #expect(kept.origins == [2, 5])
        #expect(dropped == [2, 1, 1], "e0 counts for 'internal' only, though 'staff' matches it too")
        #expect(kept.filtered == 4)
        #expect(kept.rejections == batch.rejections, "a filtered event is not rejected")
    }

    @Test func keepIfDropsWhatDoesNotMatchAndWhenScopesARule() async throws {
        let stage = try await filterStage(
            """
            - keep_if: {property: $host, regex: "(^|\\\\.)shop\\\\.example$"}
              when: {event: $pageview}
            - when: {event: {in: [purchase]}}
              drop_if: {property: amount, lte: 0}
            """)
        let events = [
            try textEvent("local", name: "$pageview", json: #"{"$host":"localhost"}"#),
            try textEvent("shop", name: "$pageview", json: #"{"$host":"www.shop.example"}"#),
            try textEvent("other-name", name: "signup", json: #"{"$host":"localhost"}"#),
            try textEvent("refund", name: "purchase", json: #"{"amount":-5}"#),
            try textEvent("sale", name: "purchase", json: #"{"amount":5}"#),
            try textEvent("zero-elsewhere", name: "cart", json: #"{"amount":0}"#),
        ]
        #expect(stage.keptIDs(events) == ["shop", "other-name", "sale", "zero-elsewhere"])
    }

    @Test func rulesOnNamesAndFieldsAloneNeverReadProperties() async throws {
        let names = try await filterStage("- drop_events: [a]\n- drop_if: {field: user_id, in: [bot]}\n- sample: 0.5")
        #expect(names.propertyKeys.isEmpty)
        let nested = try await filterStage(
            "- drop_if: {property: cart.total, gt: 1}\n- drop_if: {property: [cart, n], exists: true}\n- drop_if: {property: plan, equals: x}")
        #expect(nested.propertyKeys == ["cart", "plan"], "one slot per top-level key, whatever is read below it")
    }

    @Test func theMetricsLabelsAreTheStagesPlaceAndTheRulesName() async throws {
        let stage = try await filterStage("- name: staff\n  drop_events: [a]\n- drop_events: [b]", index: 3)
        #expect(stage.counters.map { $0.dimensions.map(\.1) } == [["stages[3]", "staff"], ["stages[3]", "rule-2"]])
        #expect(stage.counters.allSatisfy { $0.label == "smolhog_filtered_events_total" && $0.dimensions.map(\.0) == ["stage", "rule"] })
    }

    // MARK: Sampling

    /// The positions of two ids, pinned (an independent FNV-1a + Murmur3-finish computation
    /// agrees): a change of the hash would keep other users after an upgrade, and two versions
    /// side by side would disagree.
    @Test func aUsersPlaceIsPinned() {
        #expect(FilterSampling.position(of: "user-1") == Self.pinned.0)
        #expect(FilterSampling.position(of: "ada@example.com") == Self.pinned.1)
    }
    static let pinned = (0.2563932327962135, 0.31671037873529595)

    @Test func samplingIsDeterministicAcrossStagesAndEventsOfAUser() async throws {
        let rules = "- name: ten-percent\n  sample: 0.1"
        let first = try await filterStage(rules)
        let second = try await filterStage(rules, index: 4)
        let users = (0..<2000).map { "user-\($0)" }
        let views = users.map { try? textEvent("view-\($0)", user: $0) }.compactMap { $0 }
        let clicks = users.map { try? textEvent("click-\($0)", name: "click", user: $0) }.compactMap { $0 }
        let keptByFirst = first.keptIDs(views).map { $0.dropFirst("view-".count) }
        let keptBySecond = second.keptIDs(views).map { $0.dropFirst("view-".count) }
        let clicksKept = first.keptIDs(clicks).map { $0.dropFirst("click-".count) }
        #expect(!keptByFirst.isEmpty)
        #expect(keptByFirst == keptBySecond, "another stage (another node, another run) keeps the same users")
        #expect(keptByFirst == clicksKept, "a user's events are kept or dropped together")
    }

    @Test(arguments: [0.01, 0.1, 0.5, 0.9])
    func samplingKeepsAboutTheRateOfTenThousandUsers(rate: Double) async throws {
        let stage = try await filterStage("- sample: \(rate)")
        let events = try (0..<10_000).map { try textEvent("e\($0)", user: "user-\($0)") }
        let kept = stage.keptIDs(events).count
        // The hash is fixed and so are the ids: the count is the same on every run. A fair
        // coin per user would land within 4 standard deviations about 99.99 % of the time.
        let expected = rate * 10_000
        let tolerance = 4 * (10_000 * rate * (1 - rate)).squareRoot()
        #expect(abs(Double(kept) - expected) <= tolerance, "kept \(kept) of 10000 at \(rate)")
    }

    @Test func aUserKeptAtARateIsKeptAtEveryHigherRateAndTheEndsAreExact() async throws {
        let events = try (0..<3000).map { try textEvent("e\($0)", user: "u\($0)") }
        var previous: Set<String> = []
        for rate in [0.0, 0.05, 0.2, 0.7, 1.0] {
            let kept = Set(try await filterStage("- sample: \(rate)").keptIDs(events))
            #expect(previous.isSubset(of: kept), "rate \(rate)")
            previous = kept
        }
        #expect(try await filterStage("- sample: 0").keptIDs(events).isEmpty)
        #expect(try await filterStage("- sample: 1").keptIDs(events).count == 3000)
    }
}
