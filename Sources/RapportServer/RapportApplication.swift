import Hummingbird
import Logging
import Metrics
import Prometheus
import RapportCore
import RapportEngine
import RapportIngest
import ServiceLifecycle

/// How the server listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var limits: IngestLimits
    public init(host: String = "127.0.0.1", port: Int = 8080, limits: IngestLimits = IngestLimits()) {
        self.host = host
        self.port = port
        self.limits = limits
    }
}

/// Process-wide metrics: one Prometheus registry behind swift-metrics.
public enum RapportMetrics {
    public static let registry = PrometheusCollectorRegistry()
    /// Installs the Prometheus factory once; later calls do nothing.
    public static func bootstrap() {
        _ = installed
    }
    private static let installed: Bool = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return true
    }()
}

/// Builds the router: ingestion, the admin API, operations endpoints and the console.
public func buildRouter(engine: Engine, configuration: ServerConfiguration = ServerConfiguration())
    -> Router<RapportRequestContext>
{
    let router = Router(context: RapportRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: CORSMiddleware(
        allowOrigin: .originBased, allowHeaders: [.accept, .authorization, .contentType, .contentEncoding, .origin],
        allowMethods: [.get, .post, .options], maxAge: .seconds(3600)))
    let auth = TokenAuthenticator(engine: engine)
    IngestController(engine: engine, limits: configuration.limits).addRoutes(to: router)
    ProfileController(engine: engine, auth: auth).addRoutes(to: router)
    AudienceController(engine: engine, auth: auth).addRoutes(to: router)
    TagController(engine: engine, auth: auth).addRoutes(to: router)
    LifecycleController(engine: engine, auth: auth).addRoutes(to: router)
    RFMController(engine: engine, auth: auth).addRoutes(to: router)
    InsightsController(engine: engine, auth: auth).addRoutes(to: router)
    ClusterController(engine: engine, auth: auth).addRoutes(to: router)
    OpsController(engine: engine, registry: RapportMetrics.registry).addRoutes(to: router)
    ConsoleController(engine: engine).addRoutes(to: router)
    return router
}

/// The whole server as one service group: HTTP, the group-commit writer and
/// the projection. Graceful shutdown stops HTTP first, then flushes the writer
/// and the projection.
public func buildApplication(engine: Engine, configuration: ServerConfiguration, logger: Logger)
    -> some ApplicationProtocol
{
    RapportMetrics.bootstrap()
    let router = buildRouter(engine: engine, configuration: configuration)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rapport"),
        logger: logger)
    app.addServices(engine.writer, engine.projection)
    return app
}
