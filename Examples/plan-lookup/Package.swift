// swift-tools-version:6.0
// A team's own SmolHog: the built-in plugins plus a `plan_lookup` stage, in a package of its
// own that depends on SmolHog. No fork: the daemon is one call to SmolHogServer.main.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "PlanLookup",
    platforms: [.macOS(.v15)],
    dependencies: [
        // A team points this at SmolHog's repository and a version; here it is this checkout.
        .package(name: "SmolHog", path: "../..")
    ],
    targets: [
        .target(
            name: "PlanLookup",
            dependencies: [.product(name: "PipelineKit", package: "SmolHog")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "plan-smolhogd",
            dependencies: [
                "PlanLookup",
                .product(name: "SmolHogServer", package: "SmolHog"),
                .product(name: "Stages", package: "SmolHog"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlanLookupTests",
            dependencies: [
                "PlanLookup",
                .product(name: "PipelineKit", package: "SmolHog"),
                .product(name: "Stages", package: "SmolHog"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
