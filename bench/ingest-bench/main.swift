// smolhog-ingest-bench: the ingest path's CPU cost without HTTP, on one core: a native
// request body decoded, validated and enriched by the stages a pipeline.yaml declares before
// its queue, and the cost of each enrich step alone. bench.py's `enrich` scenario runs it.
//
//   smolhog-ingest-bench --config pipeline.yaml --user-agents bench/user-agents.txt [--seconds 3]
//
// The events are browser events as posthog-js sends them (about ten properties): a user
// agent drawn from the file with a Zipf-like mix (its lines are most common first), a page
// URL with UTM tags, a referrer. One task does all the work, so the figures are one core's.

import Foundation
import PipelineKit
import Stages

struct Options: Sendable {
    var config = "pipeline.yaml"
    var userAgents = "bench/user-agents.txt"
    var seconds = 3.0
    var batch = 100
    var bodies = 200

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--config": config = value
            case "--user-agents": userAgents = value
            case "--seconds": seconds = Double(value) ?? seconds
            case "--batch": batch = Int(value) ?? batch
            default: throw BenchError("unknown option \(flag)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64: a fixed sequence, so every run measures the same events.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Request bodies of `batch` events each, and the client address of each request.
func makeBodies(userAgents: [String], options: Options) -> [(body: [UInt8], clientIP: String)] {
    var generator = SplitMix(state: 42)
    // Zipf with exponent 1 over the lines, most common first.
    let weights = userAgents.indices.map { 1.0 / Double($0 + 1) }
    let total = weights.reduce(0, +)
    var cumulative: [Double] = []
    var running = 0.0
    for weight in weights {
        running += weight / total
        cumulative.append(running)
    }
    func userAgent() -> String {
        let draw = Double(generator.next() % 1_000_000) / 1_000_000
        let index = cumulative.firstIndex { $0 >= draw } ?? (userAgents.count - 1)
        return userAgents[index]
    }
    let names = ["$pageview", "$autocapture", "product_viewed", "add_to_cart", "checkout_started", "signup", "search", "$pageleave"]
    let sources = ["newsletter", "google", "twitter", "partner"]
    let referrers = ["https://www.google.com/", "$direct", "https://t.co/abc", "https://news.ycombinator.com/item?id=1", "https://shop.example.com/"]
    let now = ISO8601DateFormatter().string(from: Date())
    var counter = 0
    return (0..<options.bodies).map { _ in
        var events: [String] = []
        for _ in 0..<options.batch {
            counter += 1
            let user = generator.next() % 5000
            let agent = userAgent().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let url =
                "https://shop.example.com/products/\(counter % 500)?utm_source=\(sources[counter % 4])&utm_medium=email&utm_campaign=spring-\(counter % 7)"
            events.append(
                #"{"event_id":"\#(UUID().uuidString.lowercased())","event_name":"\#(names[counter % names.count])","user_id":"user-\#(user)","#
                    + #""session_id":"s-\#(user % 900)","timestamp":"\#(now)","properties":{"$current_url":"\#(url)","#
                    + #""$referrer":"\#(referrers[counter % referrers.count])","$raw_user_agent":"\#(agent)","$screen_width":1920,"#
                    + #""$lib":"web","$lib_version":"1.200.0","price":19.99,"quantity":\#(counter % 5 + 1),"currency":"EUR","title":"Ünïcödé ✓"}}"#)
        }
        let body = Array(#"{"events":[\#(events.joined(separator: ","))]}"#.utf8)
        let address = "198.51.\(generator.next() % 256).\(generator.next() % 256)"
        return (body, address)
    }
}

/// One request's decode, as the native source does it.
func decode(_ body: [UInt8], clientIP: String) throws -> Batch<RawEvent> {
    let parsed = try JSONParser.parseEventArray(body, arrayKey: "events").body
    let items = parsed.items ?? []
    let raw = items.indices.map { index in
        RawEvent(fields: items[index].objectValue ?? [:], rawProperties: index < parsed.properties.count ? parsed.properties[index] : nil)
    }
    return Batch(raw, context: IngestContext(source: "native", clientIP: clientIP))
}

/// Runs `body` over and over for `seconds`; returns nanoseconds per event.
func measure(seconds: Double, eventsPerRound: Int, _ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var rounds = 0
    while true {
        try await body()
        rounds += 1
        let elapsed = clock.now - start
        if elapsed >= .milliseconds(Int(seconds * 1000)) {
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            return nanoseconds / Double(rounds * eventsPerRound)
        }
    }
}

@main struct IngestBench {
    static func main() async throws {
        let options = try Options(CommandLine.arguments)
        // Off the main actor: every `await` of a stage would hop threads there, which the
        // server's request tasks do not.
        try await Task.detached { try await run(options) }.value
    }

    static func run(_ options: Options) async throws {
        let userAgents = try String(contentsOfFile: options.userAgents, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        let graph = try GraphCompiler.compile(try PipelineDocument.load(file: options.config), plugins: .builtIn)
        guard let validateConfig = graph.stages.lazy.compactMap({ $0.config(as: ValidateStageKind.self) }).first else {
            throw BenchError("\(options.config) has no validate stage")
        }
        let enrichConfigs = graph.stages.compactMap { $0.config(as: EnrichStageKind.self) }
        let validate = ValidateStage(config: validateConfig)
        let enrichStages = enrichConfigs.map { EnrichStage(steps: $0.steps) }
        let bodies = makeBodies(userAgents: userAgents, options: options)
        let perRound = bodies.count * options.batch

        var validated: [Batch<Event>] = []
        for (body, address) in bodies { validated.append(try await validate.process(try decode(body, clientIP: address))) }
        guard validated.allSatisfy({ $0.rejections.isEmpty }) else { throw BenchError("the generated events do not validate") }

        let decodeNS = try await measure(seconds: options.seconds, eventsPerRound: perRound) {
            for (body, address) in bodies { _ = try decode(body, clientIP: address) }
        }
        let decodeValidateNS = try await measure(seconds: options.seconds, eventsPerRound: perRound) {
            for (body, address) in bodies { _ = try await validate.process(try decode(body, clientIP: address)) }
        }
        let wholeNS = try await measure(seconds: options.seconds, eventsPerRound: perRound) {
            for (body, address) in bodies {
                var batch = try await validate.process(try decode(body, clientIP: address))
                for stage in enrichStages { batch = try await stage.process(batch) }
            }
        }
        // Every derived step a browser event can use, whatever the config ships.
        let browserYAML =
            "stages:\n  - validate\n  - enrich: [{drop: [password]}, user_agent, url, ip]\n  - queue: {embedded: {path: q.sqlite}}\n  - persist: {sqlite: {path: s.sqlite}}\n"
        let browserSteps =
            try GraphCompiler.compile(PipelineDocument.parse(browserYAML), plugins: .builtIn).stages[1].config(as: EnrichStageKind.self)?.steps ?? []
        let browserStage = EnrichStage(steps: browserSteps)
        let browserNS = try await measure(seconds: options.seconds, eventsPerRound: perRound) {
            for (body, address) in bodies { _ = try await browserStage.process(try await validate.process(try decode(body, clientIP: address))) }
        }
        var steps: [(String, Double)] = []
        let environment = ["SMOLHOG_HASH_SECRET": "bench-secret-bench-secret"]
        let extra = [
            "- user_agent", "- url", "- ip",
            "- set: {env: prod}", "- set_default: {plan: free}", "- rename: {$lib: library}", "- keep: [$current_url, price, currency]",
            "- lowercase: {event_name: true}", "- hash: {properties: [$referrer], user_id: true}",
        ]
        var named: [(String, EnrichStageKind.Step)] = []
        for config in enrichConfigs { named += config.steps.map { ("\($0.name) (shipped)", $0) } }
        for line in extra {
            let yaml = "stages:\n  - validate\n  - enrich:\n      \(line)\n  - queue: {embedded: {path: q.sqlite}}\n  - persist: {sqlite: {path: s.sqlite}}\n"
            let extraGraph = try GraphCompiler.compile(PipelineDocument.parse(yaml, environment: environment), plugins: .builtIn)
            if let step = extraGraph.stages[1].config(as: EnrichStageKind.self)?.steps.first { named.append((line.dropFirst(2).description, step)) }
        }
        for (name, step) in named {
            let stage = EnrichStage(steps: [step])
            let nanoseconds = try await measure(seconds: min(options.seconds, 1), eventsPerRound: perRound) {
                for batch in validated { _ = try await stage.process(batch) }
            }
            steps.append((name, nanoseconds))
        }
        let shipped = enrichConfigs.flatMap(\.steps).count
        let result: [String: Any] = [
            "config": options.config, "batch": options.batch, "user_agents": userAgents.count, "default_steps": shipped,
            "decode_ns_per_event": decodeNS, "decode_validate_ns_per_event": decodeValidateNS, "ingest_ns_per_event": wholeNS,
            "ingest_events_per_s_one_core": 1e9 / wholeNS, "enrich_ns_per_event": wholeNS - decodeValidateNS,
            "browser_ingest_ns_per_event": browserNS, "browser_ingest_events_per_s_one_core": 1e9 / browserNS,
            "steps": steps.map { ["step": $0.0, "ns_per_event": $0.1] },
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }
}
