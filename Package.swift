// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "rapport",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rapport", targets: ["rapport"]),
        .library(name: "RapportCore", targets: ["RapportCore"]),
        .library(name: "RapportIngest", targets: ["RapportIngest"]),
        .library(name: "RapportIdentity", targets: ["RapportIdentity"]),
        .library(name: "RapportStore", targets: ["RapportStore"]),
        .library(name: "RapportPostgres", targets: ["RapportPostgres"]),
        .library(name: "RapportDemo", targets: ["RapportDemo"]),
        .library(name: "RapportEngine", targets: ["RapportEngine"]),
        .library(name: "RapportAudience", targets: ["RapportAudience"]),
        .library(name: "RapportInsights", targets: ["RapportInsights"]),
        .library(name: "RapportServer", targets: ["RapportServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(name: "RapportCore", swiftSettings: swiftSettings),
        .target(name: "RapportIngest", dependencies: ["RapportCore"], swiftSettings: swiftSettings),
        .target(name: "RapportIdentity", dependencies: ["RapportCore"], swiftSettings: swiftSettings),
        .target(name: "RapportDemo", dependencies: ["RapportCore"], swiftSettings: swiftSettings),
        .target(name: "RapportAudience", dependencies: ["RapportCore"], swiftSettings: swiftSettings),
        .target(name: "RapportInsights", dependencies: ["RapportCore", "RapportAudience"], swiftSettings: swiftSettings),
        .target(
            name: "RapportStore",
            dependencies: [
                "RapportCore", "RapportIdentity",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RapportPostgres",
            dependencies: [
                "RapportCore", "RapportStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RapportEngine",
            dependencies: [
                "RapportCore", "RapportIngest", "RapportIdentity", "RapportStore", "RapportDemo", "RapportAudience",
                "RapportInsights",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RapportServer",
            dependencies: [
                "RapportEngine", "RapportAudience", "RapportInsights",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "rapport",
            dependencies: [
                "RapportServer", "RapportEngine", "RapportAudience", "RapportInsights", "RapportIngest", "RapportPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RapportCoreTests", dependencies: ["RapportCore"]),
        .testTarget(name: "RapportIngestTests", dependencies: ["RapportIngest"]),
        .testTarget(name: "RapportIdentityTests", dependencies: ["RapportIdentity"]),
        .testTarget(
            name: "RapportStoreTests",
            dependencies: ["RapportStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "StoreConformanceTests",
            dependencies: [
                "RapportStore", "RapportPostgres", "RapportCore", "RapportEngine", "RapportDemo",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "RapportDemoTests", dependencies: ["RapportDemo"]),
        .testTarget(
            name: "RapportAudienceTests", dependencies: ["RapportAudience", "RapportCore"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "RapportInsightsTests",
            dependencies: [
                "RapportInsights", "RapportAudience", "RapportIngest", "RapportCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "RapportEngineTests", dependencies: ["RapportEngine", "RapportAudience"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "RapportServerTests",
            dependencies: [
                "RapportServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
