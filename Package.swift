// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "SmolHog",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "smolhogd", targets: ["smolhogd"]),
        .library(name: "PipelineKit", targets: ["PipelineKit"]),
        .library(name: "Stages", targets: ["Stages"]),
        .library(name: "SmolHogServer", targets: ["SmolHogServer"]),
        .library(name: "WireDecoding", targets: ["WireDecoding"]),
        .library(name: "WireFormats", targets: ["WireFormats"]),
        .library(name: "Enrichment", targets: ["Enrichment"]),
    ],
    // Pinned to the minor versions the test suite runs against: postgres-nio's COPY and
    // close behaviour is worked around (PostgresCopyGuard.swift, PostgresBoundedOperation.swift)
    // as of 1.33, and a minor release may change what those workarounds rely on.
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", .upToNextMinor(from: "2.28.1")),
        .package(url: "https://github.com/jpsim/Yams.git", .upToNextMinor(from: "6.2.2")),
        .package(url: "https://github.com/groue/GRDB.swift.git", .upToNextMinor(from: "7.10.0")),
        .package(url: "https://github.com/vapor/postgres-nio.git", .upToNextMinor(from: "1.33.2")),
        .package(url: "https://github.com/apple/swift-argument-parser.git", .upToNextMinor(from: "1.8.2")),
        .package(url: "https://github.com/apple/swift-log.git", .upToNextMinor(from: "1.16.2")),
        .package(url: "https://github.com/apple/swift-metrics.git", .upToNextMinor(from: "2.13.0")),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", .upToNextMinor(from: "2.13.0")),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", .upToNextMinor(from: "2.4.1")),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", .upToNextMinor(from: "1.5.0")),
        .package(url: "https://github.com/apple/swift-crypto.git", .upToNextMinor(from: "4.5.2")),
    ],
    targets: [
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Sources/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(
            name: "CMaxMindDB",
            path: "Sources/CMaxMindDB",
            pkgConfig: "libmaxminddb",
            providers: [.apt(["libmaxminddb-dev"])]
        ),
        .target(
            name: "PipelineKit",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Stages",
            dependencies: [
                "PipelineKit",
                "CRabbitMQ",
                "WireDecoding",
                "WireFormats",
                "Enrichment",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .plugin(name: "VersionStamp", capability: .buildTool()),
        // Decoders of untrusted request bytes that need no server (Content-Encoding), so the
        // fuzz targets in Fuzz/ link them cheaply.
        .target(
            name: "WireDecoding",
            dependencies: [.product(name: "CompressNIO", package: "compress-nio")],
            swiftSettings: swiftSettings
        ),
        // PostHog's and Segment's requests mapped to raw events (envelopes, field names, clock
        // skew), without a server: the sources call it, the fuzz targets link it.
        .target(
            name: "WireFormats",
            dependencies: ["PipelineKit", "WireDecoding"],
            swiftSettings: swiftSettings
        ),
        // What the enrich steps derive (user agents, URLs, anonymized and located addresses,
        // keyed hashes), without the pipeline: the steps call it, the fuzz targets link it.
        .target(
            name: "Enrichment",
            dependencies: ["PipelineKit", "CMaxMindDB", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SmolHogServer",
            dependencies: [
                "PipelineKit",
                "Stages",
                "CMalloc",
                "WireDecoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["VersionStamp"]
        ),
        .executableTarget(
            name: "smolhogd",
            dependencies: ["SmolHogServer", "Stages"],
            swiftSettings: swiftSettings
        ),
        // The ingest path's CPU cost per event and per enrich step, without HTTP (bench.py's
        // `enrich` scenario builds and runs it).
        .executableTarget(
            name: "smolhog-ingest-bench",
            dependencies: ["PipelineKit", "Stages"],
            path: "bench/ingest-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineKitTests",
            dependencies: ["PipelineKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StagesTests",
            dependencies: ["PipelineKit", "Stages", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WireFormatsTests",
            dependencies: ["WireFormats", "WireDecoding", "PipelineKit", .product(name: "CompressNIO", package: "compress-nio")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EnrichmentTests",
            dependencies: ["Enrichment", "PipelineKit", "Stages"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SmolhogdTests",
            dependencies: ["smolhogd", "SmolHogServer", "PipelineKit"],
            swiftSettings: swiftSettings
        ),
    ]
)
