import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportStore

/// The admin API for clusters: the model (features, k), fitting it on the
/// customers as they are, and each cluster's size and centre.
struct ClusterController {
    let engine: Engine
    let auth: TokenAuthenticator

    func addRoutes(to router: Router<RapportRequestContext>) {
        let group = router.group("/v1/clusters")
        group.get { request, _ in try await overview(request) }
        group.put { request, _ in try await put(request) }
        group.post("fit") { request, _ in try await refit(request) }
        group.put("names") { request, _ in try await rename(request) }
        group.delete { request, _ in try await delete(request) }
    }

    /// The model as an operator writes it (no fit).
    static func json(_ m: ClusterModel) -> JSONValue {
        .object([
            "features": .array(m.features.map { f in
                var o: [String: JSONValue] = ["attribute": .string(f.attribute), "transform": .string(f.transform.rawValue)]
                if let missing = f.missing { o["missing"] = .number(missing) }
                return .object(o)
            }),
            "k": .number(Double(m.k)), "standardise": .bool(m.standardise), "restarts": .number(Double(m.restarts)),
            "seed": .number(Double(m.seed)), "sample": .number(Double(m.sample)), "names": .array(m.names.map { .string($0) }),
        ])
    }

    static func rounded(_ x: Double) -> JSONValue { .number((x * 1_000).rounded() / 1_000) }

    /// The model, its fit, and per cluster: number, name, size now, centre per feature.
    static func json(_ o: ClusterOverview) -> JSONValue {
        let fit: JSONValue = o.model.fit.map { f in
            .object([
                "inertia": .number(f.inertia), "profiles": .number(Double(f.profiles)), "sampled": .number(Double(f.sampled)),
                "iterations": .number(Double(f.iterations)), "fitted_at": .string(Timestamp.formatISO8601(f.fittedAt)),
                "sizes": .array(f.sizes.map { .number(Double($0)) }),
            ])
        } ?? .null
        let names = o.model.features.map(\.attribute)
        return .object([
            "model": json(o.model), "fit": fit, "unassigned": .number(Double(o.unassigned)),
            "clusters": .array(o.clusters.map { c in
                .object([
                    "number": .number(Double(c.number)), "name": .string(c.name), "size": .number(Double(c.size)),
                    "centre": .object(Dictionary(zip(names, c.centre.map(rounded)), uniquingKeysWith: { a, _ in a })),
                    "standardised": .object(Dictionary(zip(names, c.standardised.map(rounded)), uniquingKeysWith: { a, _ in a })),
                ])
            }),
        ])
    }

    func overview(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        guard let o = await engine.projector.clusterOverview(workspaceId: p.workspaceId) else {
            return JSONResponse.make(.object(["model": .null, "fit": .null, "clusters": .array([])]))
        }
        return JSONResponse.make(Self.json(o))
    }

    /// A model (`features`, `k`, and optionally `standardise`, `restarts`,
    /// `seed`, `sample`, `names`): fitted on the customers now, then kept.
    func put(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let o = try await request.jsonObject()
        let known: Set<String> = ["features", "k", "standardise", "restarts", "seed", "sample", "names"]
        if let k = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw RapportError(.invalidArgument, "a cluster model has no \"\(k)\"; give \(known.sorted().joined(separator: ", "))")
        }
        let model = try ClusterModel(json: JSONValue.object(o).jsonString)
        try await engine.saveClusters(workspaceId: p.workspaceId, model: model)
        return try await current(p.workspaceId)
    }

    /// Fits the model again on the customers as they are now.
    func refit(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        try await engine.refitClusters(workspaceId: p.workspaceId)
        return try await current(p.workspaceId)
    }

    /// `{"names": ["Regulars", "Big spenders", …]}`: clusters 1, 2, … named, without fitting again.
    func rename(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let o = try await request.jsonObject()
        guard o.count == 1, case .array(let items)? = o["names"] else {
            throw RapportError(.invalidArgument, "give {\"names\": [\"…\", …]}")
        }
        let names = try items.map { v in
            guard let s = v.stringValue else { throw RapportError(.invalidArgument, "names are text") }
            return s
        }
        try await engine.nameClusters(workspaceId: p.workspaceId, names: names)
        return try await current(p.workspaceId)
    }

    func current(_ ws: WorkspaceID) async throws -> Response {
        guard let o = await engine.projector.clusterOverview(workspaceId: ws) else {
            throw RapportError(.notFound, "no cluster model")
        }
        return JSONResponse.make(Self.json(o))
    }

    func delete(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        try await engine.deleteClusters(workspaceId: p.workspaceId)
        return Response(status: .noContent)
    }
}
