import Benchmark
import Foundation
import RapportCore
import RapportDemo
import RapportEngine
import RapportIngest
import RapportStore
import Workload

/// The in-process pipeline: decode batch bodies, append groups of ~2,000
/// messages in one durable transaction each (group commit), resolve and
/// project them. Three stages overlap, as they do in the server: the next
/// groups are decoded while the current one is appended and earlier ones are
/// projected (`appendDecoding`, `Engine.withLocalProjection`).
func runPipeline(_ w: Workload, durability: SQLiteStore.Durability, _ benchmark: Benchmark) async throws -> Int {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try SQLiteStore(directory: dir, durability: durability)
    let engine = Engine(store: store)
    let (ws, _) = try await engine.setUp(workspaceName: "bench")
    let source = try await engine.source(named: "web", workspaceId: ws.id)
    benchmark.startMeasurement()
    defer { benchmark.stopMeasurement() }
    let (appended, projected) = try await appendDecoding(w.groups(ofAbout: 2_000), engine: engine, source: source)
    try await store.close()
    return projected ? appended : 0
}

/// The pipeline as the server runs it: 32 concurrent clients each send the
/// next batch body through `Engine.ingest` (write key, decode, validate, wait
/// for the group commit), while the `EventWriter` and the `ProjectionService`
/// run as they do in `rapport serve`. Done when the projection has applied
/// every appended event.
func runServerPipeline(_ w: Workload, durability: SQLiteStore.Durability, _ benchmark: Benchmark) async throws
    -> Int
{
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try SQLiteStore(directory: dir, durability: durability)
    let engine = Engine(store: store)
    let (_, created) = try await engine.setUp(workspaceName: "bench")
    guard let key = created?.writeKeys["web"] else { return 0 }
    benchmark.startMeasurement()
    defer { benchmark.stopMeasurement() }
    let appended = try await serving(engine) {
        try await sendFromClients(w, engine: engine, store: store, key: key)
    }
    try await store.close()
    return appended
}

/// Runs `body` while the engine's `EventWriter` and `ProjectionService` run
/// as they do in `rapport serve`, then stops them.
func serving<T: Sendable>(_ engine: Engine, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await engine.writer.run() }
        group.addTask { try await engine.projection.run() }
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        engine.writer.close()
        engine.projection.stop()
        try await group.waitForAll()
        return try result.get()
    }
}

/// Sends every body of `w` through `Engine.ingest` (`/v1/batch`) from 32
/// concurrent clients, then waits until the projection has applied all that
/// was appended. Returns the messages accepted.
func sendFromClients(_ w: Workload, engine: Engine, store: SQLiteStore, key: String) async throws -> Int {
    let total = try await withThrowingTaskGroup(of: Int.self) { clients in
        for client in 0..<32 {
            clients.addTask {
                var n = 0
                for i in stride(from: client, to: w.bodies.count, by: 32) {
                    n += try await engine.ingest(body: w.bodies[i], endpoint: .batch, headerKey: key).accepted
                }
                return n
            }
        }
        return try await clients.reduce(0, +)
    }
    let last = try await store.lastSeq()
    while await engine.projector.applied < last { try await Task.sleep(for: .milliseconds(5)) }
    return total
}

let benchmarks: @Sendable () -> Void = {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Tests/RapportEngineTests/Fixtures").standardized
    let workload = Workload.demo(customers: 4_000)  // ≈ 200k messages
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal], timeUnits: .milliseconds,
        maxDuration: .seconds(60), maxIterations: 5)

    Benchmark("Pipeline: decode + append + resolve + project, 200k demo messages (durability full)",
              configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            let n = try await withTaskExecutorPreference(ThreadExecutor.shared) {
                try await runPipeline(workload, durability: .full, benchmark)
            }
            blackHole(n)
        }
    }

    Benchmark("Pipeline: decode + append + resolve + project, 200k demo messages (durability normal)",
              configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await withTaskExecutorPreference(ThreadExecutor.shared) {
                try await runPipeline(workload, durability: .normal, benchmark)
            })
        }
    }

    Benchmark("Pipeline as the server runs it: 32 clients, group commit, projection service, 200k demo messages (durability full)",
              configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await withTaskExecutorPreference(ThreadExecutor.shared) {
                try await runServerPipeline(workload, durability: .full, benchmark)
            })
        }
    }

    let visible = BenchmarkMetric.custom("ack to visible (µs)")
    Benchmark("Segments: an order visible in its profile's traits and segments after acknowledgement (server pipeline, 50 segments + 20 traits, 20,000 demo customers)",
              configuration: .init(metrics: [visible], maxDuration: .seconds(120), maxIterations: 1)) { benchmark in
        let history = Workload.demo(customers: 20_000)
        let n = try await withTaskExecutorPreference(ThreadExecutor.shared) {
            try await runRealTime(history, events: 5_000, metric: visible, benchmark)
        }
        precondition(n == 5_000)
    }

    Benchmark("Decode only: 200k demo messages in 100-message batches", configuration: config) { benchmark in
        let decoder = MessageDecoder()
        for _ in benchmark.scaledIterations {
            var n = 0
            for body in workload.bodies {
                n += try decoder.decode(body: body, endpoint: .batch, receivedAt: 0).accepted.count
            }
            blackHole(n)
        }
    }

    Benchmark("Import CDNOW_master (69,659 orders) and project", configuration: config) { benchmark in
        let path = fixtures.appendingPathComponent("CDNOW_master.txt").path
        for _ in benchmark.scaledIterations {
            try await withTaskExecutorPreference(ThreadExecutor.shared) {
                let dir = temporaryDirectory()
                let store = try SQLiteStore(directory: dir)
                let engine = Engine(store: store)
                let (ws, _) = try await engine.setUp(workspaceName: "bench")
                let source = try await engine.source(named: "cdnow", workspaceId: ws.id)
                benchmark.startMeasurement()
                let report = try await Importer(engine: engine, source: source, inputPath: path).importCDNOW(path: path)
                _ = try await engine.projectNow()
                benchmark.stopMeasurement()
                blackHole(report.appended)
                try await store.close()
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
    }
}
