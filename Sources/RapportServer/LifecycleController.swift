import Foundation
import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportInsights
import RapportStore

/// The admin API for lifecycle stages: the model (the default one, tuned
/// or replaced), counts per stage with the moves between stages, and a
/// stage's size over time.
struct LifecycleController {
    let engine: Engine
    let auth: TokenAuthenticator

    func addRoutes(to router: Router<RapportRequestContext>) {
        let group = router.group("/v1/lifecycle")
        group.get { request, _ in try await overview(request) }
        group.put { request, _ in try await put(request) }
        group.delete { request, _ in try await delete(request) }
        group.get("stages/{name}/history") { request, context in try await history(request, context: context) }
        group.get("periods") { request, _ in try await periods(request) }
    }

    static func json(_ model: LifecycleModel) -> JSONValue {
        .object([
            "stages": .array(model.stages.map {
                .object(["name": .string($0.name), "condition": .string($0.condition), "description": .string($0.description)])
            }),
            "warning_stage": model.warningStage.map(JSONValue.string) ?? .null,
        ])
    }

    /// `?days=30`: the model, each stage's size, profiles in no stage, and the moves between stages in those days.
    func overview(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let days = try Self.days(request, default: 30)
        guard let o = await engine.projector.lifecycleOverview(workspaceId: p.workspaceId, days: days) else {
            return JSONResponse.make(.object(["model": .null, "stages": .array([]), "flows": .array([])]))
        }
        return JSONResponse.make(.object([
            "model": Self.json(o.model),
            "stages": .array(o.stages.map {
                .object(["name": .string($0.name), "description": .string($0.description), "size": .number(Double($0.size))])
            }),
            "unstaged": .number(Double(o.unstaged)),
            "flows": .array(o.flows.map {
                .object(["from": $0.flow.from.map(JSONValue.string) ?? .null, "to": $0.flow.to.map(JSONValue.string) ?? .null,
                         "count": .number(Double($0.count))])
            }),
            "from": .string(Timestamp.formatISO8601(o.from)), "to": .string(Timestamp.formatISO8601(o.to)),
        ]))
    }

    /// A model (`{"stages": [{"name", "condition", "description"}…], "warning_stage": "at_risk"}`),
    /// or the default one from its numbers (`{"standard": {"purchase_event": "Order Completed", "new_days": 14, …}}`).
    func put(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        let o = try await request.jsonObject()
        let model: LifecycleModel
        if let standard = o["standard"] {
            guard case .object = standard else { throw RapportError(.invalidArgument, "\"standard\" is an object of numbers") }
            let parameters: LifecycleModel.Parameters
            do {
                parameters = try JSONDecoder().decode(LifecycleModel.Parameters.self, from: Data(standard.jsonString.utf8))
            } catch {
                throw RapportError(.invalidArgument, "\"standard\" holds purchase_event (text) and new_days, active_days, "
                    + "churn_days, loyal_purchases, won_back_days (whole numbers)")
            }
            model = try await engine.saveStandardLifecycle(workspaceId: p.workspaceId, parameters: parameters)
        } else {
            model = try await engine.saveLifecycle(workspaceId: p.workspaceId,
                                                   model: try LifecycleModel(json: JSONValue.object(o).jsonString))
        }
        return JSONResponse.make(Self.json(model))
    }

    func delete(_ request: Request) async throws -> Response {
        let p = try await auth.require(.editAudience, request)
        try await engine.deleteLifecycle(workspaceId: p.workspaceId)
        return Response(status: .noContent)
    }

    /// `?days=30&bucket=day|hour`: the stage's size at the end of each bucket, with entries and exits.
    func history(_ request: Request, context: RapportRequestContext) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let name = try context.pathName()
        let days = try Self.days(request, default: 30)
        let bucket = request.uri.queryParameters["bucket"].map(String.init) ?? "day"
        guard bucket == "day" || bucket == "hour" else { throw RapportError(.invalidArgument, "bucket is day or hour") }
        guard await engine.projector.lifecycleModel(workspaceId: p.workspaceId)?.stages.contains(where: { $0.name == name })
            == true
        else { throw RapportError(.notFound, "no stage \"\(name)\"") }
        let points = await engine.projector.stageHistory(workspaceId: p.workspaceId, stage: name, lastDays: days,
                                                         hourly: bucket == "hour")
        return JSONResponse.make(.object([
            "stage": .string(name), "bucket": .string(bucket),
            "points": .array(points.map {
                .object(["at": .string(Timestamp.formatISO8601($0.at)), "size": .number(Double($0.size)),
                         "entered": .number(Double($0.entered)), "exited": .number(Double($0.exited))])
            }),
        ]))
    }

    /// `?period=week&periods=8&utc_offset_minutes=480&basis=events|recorded`: per period, each stage's size at its
    /// end and the moves. `events` (the default) works each period's end out again from the events;
    /// `recorded` reports the moves the projection recorded since the model was set.
    func periods(_ request: Request) async throws -> Response {
        let p = try await auth.require(.readProfiles, request)
        let q = request.uri.queryParameters
        guard let period = CalendarPeriod(rawValue: q["period"].map(String.init) ?? "week") else {
            throw RapportError(.invalidArgument, "period is day, week or month")
        }
        guard let count = Int(q["periods"].map(String.init) ?? "8"), (1...120).contains(count) else {
            throw RapportError(.invalidArgument, "periods is a whole number from 1 to 120")
        }
        guard let offset = Int(q["utc_offset_minutes"].map(String.init) ?? "0"), (-840...840).contains(offset) else {
            throw RapportError(.invalidArgument, "utc_offset_minutes is a whole number from -840 to 840")
        }
        let basis = q["basis"].map(String.init) ?? "events"
        let found: LifecyclePeriods?
        switch basis {
        case "events":
            found = try await engine.projector.lifecycleHistory(workspaceId: p.workspaceId, period: period, count: count,
                                                                offsetMinutes: offset)
        case "recorded":
            found = await engine.projector.lifecyclePeriods(workspaceId: p.workspaceId, period: period, count: count,
                                                            offsetMinutes: offset)
        default: throw RapportError(.invalidArgument, "basis is events or recorded")
        }
        guard let r = found else { throw RapportError(.notFound, "no lifecycle model") }
        return JSONResponse.make(Self.json(r, period: period))
    }

    static func json(_ r: LifecyclePeriods, period: CalendarPeriod) -> JSONValue {
        .object([
            "period": .string(period.rawValue), "stages": .array(r.stages.map { .string($0) }),
            "periods": .array(r.periods.map { x in
                .object([
                    "start": .string(Timestamp.formatISO8601(x.start)), "end": .string(Timestamp.formatISO8601(x.end)),
                    "sizes": .object(Dictionary(uniqueKeysWithValues: zip(r.stages, x.sizes.map { .number(Double($0)) }))),
                    "flows": .array(x.flows.map {
                        .object(["from": $0.flow.from.map { .string($0) } ?? .null, "to": $0.flow.to.map { .string($0) } ?? .null,
                                 "count": .number(Double($0.count))])
                    }),
                ])
            }),
        ])
    }

    static func days(_ request: Request, default d: Int) throws -> Int {
        guard let days = Int(request.uri.queryParameters["days"].map(String.init) ?? String(d)), (1...3_650).contains(days)
        else { throw RapportError(.invalidArgument, "days is a whole number from 1 to 3650") }
        return days
    }
}
