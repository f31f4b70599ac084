import Hummingbird
import Metrics
import NIOCore
import Prometheus
import RapportCore
import RapportEngine

/// `/health`, `/metrics` (Prometheus text) and `/openapi.json`.
struct OpsController {
    let engine: Engine
    let registry: PrometheusCollectorRegistry

    func addRoutes(to router: Router<RapportRequestContext>) {
        router.get("/health") { _, _ in
            let applied = await engine.projector.applied
            let last = try await engine.store.lastSeq()
            return JSONResponse.make(.object([
                "status": .string("ok"),
                "logPosition": .number(Double(last)),
                "projected": .number(Double(applied)),
                "projectionLeader": .bool(engine.projection.isLeader),
            ]))
        }
        router.get("/metrics") { _, _ in
            let applied = await engine.projector.applied
            let last = (try? await engine.store.lastSeq()) ?? 0
            registry.makeGauge(name: "rapport_log_position", help: "Highest position in the event log").set(Double(last))
            registry.makeGauge(name: "rapport_projection_position", help: "Last log position the profile projection applied")
                .set(Double(applied))
            registry.makeGauge(name: "rapport_projection_lag_events", help: "Events logged but not yet projected")
                .set(Double(max(0, last - applied)))
            var out: [UInt8] = []
            registry.emit(into: &out)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: out)))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
