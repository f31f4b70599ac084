import Benchmark
import Foundation
import RapportCore
import RapportEngine
import RapportIngest
import RapportStore
import Workload

/// An event's effect on its profile's memberships, as a client of
/// `rapport serve` sees it: a workspace with the audience benchmarks' 50
/// segments and 20 computed traits (``AudienceDefinitions``) and the demo's
/// history of `customers` customers, on a SQLite store (durability full), with
/// the `EventWriter` and the `ProjectionService` running as they do in the
/// server. Then, one at a time, a customer with orders sends an `Order
/// Completed` through `Engine.ingest` (as `POST /v1/track`); from the moment
/// it is acknowledged (durable), the profile's computed `orders` is read until
/// it counts the new order. Each wait is recorded in `metric`, in
/// microseconds. Returns the events measured.
func runRealTime(_ w: Workload, events: Int, metric: BenchmarkMetric, _ benchmark: Benchmark) async throws -> Int {
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try SQLiteStore(directory: dir, durability: .full)
    let engine = Engine(store: store)
    let (ws, created) = try await engine.setUp(workspaceName: "bench")
    guard let key = created?.writeKeys["web"] else { return 0 }
    for t in AudienceDefinitions.traits {
        try await engine.saveDefinition(workspaceId: ws.id, kind: .trait, name: t.name, body: t.text)
    }
    for s in AudienceDefinitions.segments {
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: s.name, body: s.text)
    }
    let measured = try await serving(engine) {
        // The history, from 32 clients at once.
        _ = try await sendFromClients(w, engine: engine, store: store, key: key)
        // Customers with orders and a user id, picked at random (seeded).
        let buyers = await engine.projector.segmentMembers(workspaceId: ws.id, segment: "orders_2plus") ?? []
        var customers: [(ProfileID, String)] = []
        for id in buyers {
            guard let view = await engine.projector.profile(id, workspaceId: ws.id),
                  let user = view.identifiers.first(where: { $0.identifier.kind == Identifier.Kind.userId })
            else { continue }
            customers.append((id, user.identifier.value))
        }
        precondition(!customers.isEmpty, "no customer with orders")
        var state: UInt64 = 0x5EED
        var n = 0
        for k in 0..<events {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let (id, user) = customers[Int((state >> 33) % UInt64(customers.count))]
            let orders = { (facts: [String: JSONValue]) -> Double in
                if case .number(let x)? = facts["orders"] { return x } else { return 0 }
            }
            let before = orders(await engine.projector.audienceFacts(of: id, workspaceId: ws.id).computed)
            let body = #"{"userId":"\#(user)","event":"Order Completed","messageId":"realtime-\#(k)","properties":{"revenue":299,"payment_method":"alipay","currency":"CNY"}}"#
            let result = try await engine.ingest(body: Array(body.utf8), endpoint: .single(.track), headerKey: key)
            precondition(result.accepted == 1, "the order was not accepted")
            let acknowledged = ContinuousClock.now
            while orders(await engine.projector.audienceFacts(of: id, workspaceId: ws.id).computed) < before + 1 {
                try await Task.sleep(for: .microseconds(20))
            }
            let waited = ContinuousClock.now - acknowledged
            let micros = Int(waited.components.seconds * 1_000_000 + waited.components.attoseconds / 1_000_000_000_000)
            benchmark.measurement(metric, micros)
            n += 1
        }
        return n
    }
    try await store.close()
    return measured
}
