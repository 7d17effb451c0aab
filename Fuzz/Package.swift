// swift-tools-version:6.0
// The fuzz targets: one libFuzzer executable per decoder of untrusted bytes, each linking only
// the modules it decodes with. Built by scripts/fuzz.sh with `--sanitize fuzzer --sanitize
// address` in its own scratch path (Fuzz/.build), so the main build is never rebuilt with
// sanitizer flags. To add a target: a folder Targets/<name>/ with one file defining
// `LLVMFuzzerTestOneInput`, a line in `fuzzTargets` below, and seeds in Corpus/<name>/.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // libFuzzer supplies `main`; the target file only defines the entry point.
    .unsafeFlags(["-parse-as-library"]),
]

let pipelineKit = Target.Dependency.product(name: "PipelineKit", package: "SmolHog")
let wireDecoding = Target.Dependency.product(name: "WireDecoding", package: "SmolHog")
let wireFormats = Target.Dependency.product(name: "WireFormats", package: "SmolHog")

/// Each target's name (its folder under Targets/, its corpus under Corpus/) and what it links.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("json", [pipelineKit]),
    ("gzip", [wireDecoding]),
    ("codec", [pipelineKit]),
    ("config", [pipelineKit]),
    ("lzstring", [wireDecoding]),
    ("posthog-body", [wireDecoding]),
    ("posthog", [pipelineKit, wireFormats, "FuzzWireSupport"]),
    ("segment", [pipelineKit, wireFormats, "FuzzWireSupport"]),
]

let package = Package(
    name: "SmolHogFuzz",
    dependencies: [.package(name: "SmolHog", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Support", swiftSettings: swiftSettings),
        // The invariants of a wire format's batch, for the PostHog and Segment targets only.
        .target(name: "FuzzWireSupport", dependencies: ["FuzzSupport", wireFormats], path: "WireSupport", swiftSettings: swiftSettings),
    ]
        + fuzzTargets.map { target in
            .executableTarget(
                name: "fuzz-\(target.name)", dependencies: ["FuzzSupport"] + target.dependencies, path: "Targets/\(target.name)",
                swiftSettings: swiftSettings)
        }
)
