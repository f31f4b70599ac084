import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportStore

/// The admin API for RFM per profile: which events are purchases, and the
/// grid of customers by recency and frequency score.
struct RFMController {
    let engine: Engine
    let auth: TokenAuthenticator

    func addRoutes(to router: Router<RapportRequestContext>) {
        let group = router.group("/v1/rfm")
        group.get { request, _ in try await overview(request) }
        group.put { request, _ in try await put(request) }
        group.delete { request, _ in try await delete(request) }
    }

    static func json(_ m: RFMModel) -> JSONValue {
        .object(["purchase_event": .string(m.purchaseEvent), "amount_property": .string(m.amountProperty)])
    }

    /// The model, when the scores were worked out, the 25 cells (r, f, customers, average monetary) and the groups.
    func overview(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        guard let o = await engine.projector.rfmOverview(workspaceId: p.workspaceId) else {
            return JSONResponse.make(.object(["model": .null, "cells": .array([]), "groups": .array([])]))
        }
        return JSONResponse.make(.object([
            "model": Self.json(o.model), "computedAt": .string(Timestamp.formatISO8601(o.computedAt)),
            "scored": .number(Double(o.scored)),
            "cells": .array(o.cells.map {
                .object(["r": .number(Double($0.r)), "f": .number(Double($0.f)), "customers": .number(Double($0.customers)),
                         "monetary": .number(($0.monetary * 100).rounded() / 100)])
            }),
            "groups": .array(o.groups.map {
                .object(["group": .string($0.group.rawValue), "customers": .number(Double($0.customers))])
            }),
        ]))
    }

    /// `{"purchase_event": "Order Completed", "amount_property": "revenue"}` (either may be left out).
    func put(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let o = try await request.jsonObject()
        for (k, v) in o where k != "purchase_event" && k != "amount_property" || v.stringValue == nil {
            throw RapportError(.invalidArgument, "give purchase_event and amount_property as text (not \"\(k)\")")
        }
        let model = try await engine.saveRFM(workspaceId: p.workspaceId,
                                             model: try RFMModel(json: JSONValue.object(o).jsonString))
        return JSONResponse.make(Self.json(model))
    }

    func delete(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        try await engine.deleteRFM(workspaceId: p.workspaceId)
        return Response(status: .noContent)
    }
}
