// swift-tools-version:6.2
import Foundation
import PackageDescription

// A path dependency is named after its folder, which is whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Rapport's benchmarks (ordo-one/benchmark). Run from this folder:
//   swift package benchmark
// A package of its own so that `swift test` at the root never builds the benchmark tooling.
let package = Package(
    name: "rapport-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Pipeline",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RapportEngine", package: root),
                "Workload",
            ],
            path: "Benchmarks/Pipeline",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Audience",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RapportAudience", package: root),
                .product(name: "RapportInsights", package: root),
                .product(name: "RapportIngest", package: root),
                .product(name: "RapportDemo", package: root),
                "Workload",
            ],
            path: "Benchmarks/Audience",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Insights",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RapportInsights", package: root),
                .product(name: "RapportAudience", package: root),
                "Workload",
            ],
            path: "Benchmarks/Insights",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The seeded demo workload and the CDNOW data the executables use.
        .target(
            name: "Workload",
            dependencies: [
                .product(name: "RapportDemo", package: root),
                .product(name: "RapportEngine", package: root),
                .product(name: "RapportAudience", package: root),
                .product(name: "RapportIngest", package: root),
            ],
            path: "Benchmarks/Workload"
        ),
        // Stage timings for profiling with perf; not a benchmark.
        .executableTarget(
            name: "pipeline-profile",
            dependencies: [
                .product(name: "RapportEngine", package: root),
                .product(name: "GRDB", package: "GRDB.swift"),
                "Workload",
            ],
            path: "Tools/Profile"
        ),
    ]
)
