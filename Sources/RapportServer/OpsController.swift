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

    // Computed: the descriptor type is not `Sendable`, so it cannot be a stored static.
    static var logPosition: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "rapport", metricName: "log_position", unitName: "", helpText: "Highest position in the event log")
    }
    static var projectionPosition: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "rapport", metricName: "projection_position", unitName: "",
            helpText: "Last log position the profile projection applied")
    }
    static var projectionLag: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "rapport", metricName: "projection_lag", unitName: "events",
            helpText: "Events logged but not yet projected")
    }

    func addRoutes(to router: Router<RapportRequestContext>) {
        router.get("/health") { _, _ in
            let applied = await engine.projector.applied
            let last = try await engine.store.lastSeq()
            return JSONResponse.make(.object([
                "status": .string("ok"),
                "logPosition": .number(Double(last)),
                "projected": .number(Double(applied)),
                "projectionLeader": .bool(engine.projection.isLeader),
                "projectionPartitions": .number(Double(await engine.projector.partitionCount)),
                "writtenPartitions": .array(engine.projection.writtenPartitions.sorted().map { .number(Double($0)) }),
            ]))
        }
        router.get("/metrics") { _, _ in
            let applied = await engine.projector.applied
            let last = (try? await engine.store.lastSeq()) ?? 0
            registry.makeGauge(descriptor: Self.logPosition).set(Double(last))
            registry.makeGauge(descriptor: Self.projectionPosition).set(Double(applied))
            registry.makeGauge(descriptor: Self.projectionLag).set(Double(max(0, last - applied)))
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
