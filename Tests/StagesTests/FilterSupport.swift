// Building `filter` stages from YAML for the tests, and events whose properties are text as
// the ingest parser hands them on (the form the stage reads without a tree).

import Foundation
import Testing

@testable import PipelineKit
@testable import Stages

/// The filter stage `rules` (a YAML list, flow or block at any indentation) builds, checked
/// by the compiler like any config; `index` is its place in the pipeline.
func filterStage(_ rules: String, index: Int = 1) async throws -> FilterStage {
    let body = rules.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    let graph = try compile(
        "stages:\n  - validate\n  - filter:\n\(body)\n  - queue: {memory: {}}\n  - persist: {memory: {}}\n", plugins: testPlugins)
    let config = try #require(graph.stages[1].config(as: FilterStageKind.self))
    var context = BuildContext(baseDirectory: "/", logger: testLogger, role: .all)
    context.stageIndex = index
    return try await FilterStageKind.build(config, context: context)
}

/// An event whose properties are the compact text of `json` with its key sketch, as
/// `validate` makes it from a request.
func textEvent(_ id: String, name: String = "page_view", user: String = "u1", session: String? = nil, json: String = "{}") throws -> Event {
    let body = #"{"events":[{"properties":\#(json)}]}"#
    let raw = try #require(try JSONParser.parseEventArray(Array(body.utf8), arrayKey: "events").body.properties.first ?? nil)
    return Event(
        eventID: id, eventName: name, userID: user, propertiesJSON: raw.text, keys: raw.keys, timestamp: Timestamp(microseconds: 0),
        sessionID: session, receivedAt: Timestamp(microseconds: 0))
}

extension FilterStage {
    /// The ids of the events the stage keeps.
    func keptIDs(_ events: [Event]) -> [String] { filter(Batch(events)).kept.items.map(\.eventID) }
}
