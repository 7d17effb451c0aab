// Each `filter` condition, true and false, on events whose properties are text (as from a
// request) and the same properties as a parsed object: equals, in, regex, exists, numeric
// bounds, fields, the event shorthand, nested paths, missing values, and all/any/not.

import Testing

@testable import PipelineKit
@testable import Stages

@Suite struct FilterConditionTests {
    static let properties = #"""
        {"plan":"pro","n":12,"price":19.99,"s":"12","flag":true,"nothing":null,"email":"ada@example.com",
         "cart":{"total":30,"items":[1,2],"meta":{"coupon":"X"}},"a.b":"dotted","tags":["a"]}
        """#

    static let cases: [(condition: String, holds: Bool)] = [
        // equals: strings, numbers by value, booleans; a number never equals a string.
        ("{property: plan, equals: pro}", true),
        ("{property: plan, equals: free}", false),
        ("{property: n, equals: 12}", true),
        ("{property: n, equals: 12.0}", true),
        (#"{property: n, equals: "12"}"#, false),
        ("{property: s, equals: 12}", false),
        (#"{property: s, equals: "12"}"#, true),
        ("{property: flag, equals: true}", true),
        (#"{property: flag, equals: "true"}"#, false),
        ("{property: tags, equals: a}", false),
        // in
        ("{property: plan, in: [free, pro]}", true),
        ("{property: plan, in: [free, team]}", false),
        ("{property: n, in: [1, 12]}", true),
        ("{property: s, in: [12]}", false),
        // regex: found anywhere unless anchored; strings only.
        (#"{property: email, regex: "@example\\.com$"}"#, true),
        (#"{property: email, regex: "^example"}"#, false),
        (#"{property: email, regex: "example"}"#, true),
        (#"{property: n, regex: "12"}"#, false),
        (#"{property: s, regex: "^12$"}"#, true),
        (#"{property: cart, regex: "."}"#, false),
        // exists: present and not null.
        ("{property: plan, exists: true}", true),
        ("{property: missing, exists: true}", false),
        ("{property: missing, exists: false}", true),
        ("{property: nothing, exists: true}", false),
        ("{property: nothing, exists: false}", true),
        // Numeric bounds: numbers only.
        ("{property: n, gt: 11}", true),
        ("{property: n, gt: 12}", false),
        ("{property: n, gte: 12}", true),
        ("{property: n, lt: 12}", false),
        ("{property: n, lte: 12}", true),
        ("{property: price, gte: 10, lt: 20}", true),
        ("{property: price, gt: 20, lte: 100}", false),
        ("{property: s, gt: 1}", false),
        ("{property: flag, gte: 0}", false),
        // Nested paths; a key with a dot is named in a list.
        ("{property: cart.total, gt: 20}", true),
        ("{property: cart.meta.coupon, equals: X}", true),
        ("{property: [cart, total], equals: 30}", true),
        ("{property: cart.missing, exists: false}", true),
        ("{property: plan.x, exists: true}", false),
        ("{property: cart.items.0, exists: true}", false),
        (#"{property: ["a.b"], equals: dotted}"#, true),
        ("{property: a.b, exists: true}", false),
        // A missing property passes no test but exists: false.
        ("{property: missing, equals: x}", false),
        (#"{property: missing, regex: ".*"}"#, false),
        ("{property: missing, lt: 1}", false),
        ("{property: missing, in: [x]}", false),
        // Fields.
        ("{field: user_id, equals: u1}", true),
        ("{field: user_id, in: [u2, u3]}", false),
        ("{field: session_id, exists: false}", true),
        (#"{field: event_name, regex: "^page"}"#, true),
        ("{field: event_id, in: [c1, c2]}", true),
        // The event shorthand.
        ("{event: page_view}", true),
        ("{event: signup}", false),
        ("{event: {in: [signup, page_view]}}", true),
        (#"{event: {regex: "^sign"}}"#, false),
        ("{event: {equals: page_view}}", true),
        // Combinators.
        ("{all: [{event: page_view}, {property: plan, equals: pro}]}", true),
        ("{all: [{event: page_view}, {property: plan, equals: free}]}", false),
        ("{any: [{event: x}, {property: n, gt: 100}]}", false),
        ("{any: [{event: x}, {property: n, gt: 1}]}", true),
        ("{not: {event: page_view}}", false),
        ("{not: {property: missing, exists: true}}", true),
        ("{any: [{all: [{event: page_view}, {not: {property: flag, equals: true}}]}, {property: cart.meta.coupon, in: [X, Y]}]}", true),
    ]

    @Test(arguments: cases)
    func theConditionHoldsAlikeOnTextAndParsedProperties(condition: String, holds: Bool) async throws {
        let stage = try await filterStage("- drop_if: \(condition)")
        let text = try textEvent("c1", json: Self.properties)
        let object = event("c1", properties: text.properties)
        #expect(stage.keptIDs([text]).isEmpty == holds, "text properties")
        #expect(stage.keptIDs([object]).isEmpty == holds, "parsed properties")
    }

    @Test func aSessionIDIsAFieldLikeTheOthers() async throws {
        let stage = try await filterStage(#"- drop_if: {field: session_id, regex: "^bot-"}"#)
        let events = [
            try textEvent("bot", session: "bot-7"), try textEvent("human", session: "s-1"), try textEvent("none"),
        ]
        #expect(stage.keptIDs(events) == ["human", "none"])
    }

    @Test func emptyPropertiesHaveNothing() async throws {
        let stage = try await filterStage("- keep_if: {property: plan, exists: true}")
        #expect(stage.keptIDs([try textEvent("empty"), try textEvent("set", json: #"{"plan":"pro"}"#)]) == ["set"])
    }
}
