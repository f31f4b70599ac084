import Foundation
import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportStore

/// The console's segments page: the list with sizes and a 14-day trend, and
/// a builder that shows the live size of the condition being typed.
extension ConsoleController {
    func addSegmentRoutes(to router: Router<RapportRequestContext>) {
        router.get("/segments") { request, _ in try await withSession(request) { try await segments(request, $0, flash: nil) } }
        router.post("/segments") { request, _ in try await withSession(request) { try await saveSegment(request, $0) } }
        router.post("/segments/preview") { request, _ in try await withSession(request) { try await preview(request, $0) } }
    }

    func segments(_ request: Request, _ v: Visitor, flash: String?, form: [String: String] = [:]) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readProfiles.roles.contains(v.principal.role) else { return forbidden(v) }
        let ws = v.principal.workspaceId
        let now = engine.clock.nowMillis()
        var rows: [[String: Any]] = []
        for d in try await engine.store.definitions(workspaceId: ws, kind: .segment) {
            let size = await engine.projector.segmentSize(workspaceId: ws, segment: d.name) ?? 0
            let day: Int64 = 86_400_000
            let points = await engine.projector.segmentHistory(workspaceId: ws, segment: d.name, from: now - 13 * day,
                                                               to: now, unit: day)
            rows.append([
                "name": d.name, "size": Self.number(size), "condition": d.body,
                "trend": SVGChart.sparkline(points.map { Double($0.size) }, label: "\(d.name): " + points.map { String($0.size) }.joined(separator: ", ")),
            ])
        }
        var ctx: [String: Any] = [
            "t": t, "segments": rows, "noSegments": rows.isEmpty,
            "canEdit": Permission.editAudience.roles.contains(v.principal.role),
            // A link may bring a condition to start from (`/segments?condition=cluster%20%3D%202`).
            "name": form["name"] ?? "",
            "condition": form["condition"] ?? request.uri.queryParameters["condition"].map(String.init) ?? "",
        ]
        if let flash { ctx["flash"] = flash }
        return page("segments", title: t["segments"] ?? "Segments", context: ctx, visitor: v, language: v.language,
                    active: "segments")
    }

    func saveSegment(_ request: Request, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.editAudience.roles.contains(v.principal.role) else { return forbidden(v) }
        let form = try await Self.form(request)
        let name = form["name"] ?? ""
        do {
            let d = try await engine.saveDefinition(workspaceId: v.principal.workspaceId, kind: .segment, name: name,
                                                    body: form["condition"] ?? "")
            let size = await engine.projector.segmentSize(workspaceId: v.principal.workspaceId, segment: d.name) ?? 0
            let message = (t["segmentSaved"] ?? "Segment %1 saved: %2 profiles.")
                .replacingOccurrences(of: "%1", with: d.name).replacingOccurrences(of: "%2", with: Self.number(size))
            return try await segments(request, v, flash: message)
        } catch let e as ConditionError {
            let place = e.line > 0 ? " (\(e.line):\(e.column))" : ""
            return try await segments(request, v, flash: e.message + place, form: form)
        } catch let e as RapportError {
            return try await segments(request, v, flash: e.message, form: form)
        }
    }

    /// `{"condition": "…"}` → `{"size", "profiles", "sizeText", "profilesText"}`, or the condition's error.
    func preview(_ request: Request, _ v: Visitor) async throws -> Response {
        guard Permission.readProfiles.roles.contains(v.principal.role) else {
            return JSONResponse.error(RapportError(.forbidden, "your role may not read profiles"))
        }
        let buffer = try await request.collectBody(limit: 64 * 1024)
        guard let body = try? JSONValue.parse(Array(buffer.readableBytesView)), let text = body["condition"]?.stringValue
        else { return JSONResponse.error(RapportError(.invalidArgument, "give {\"condition\": \"…\"}")) }
        let ws = v.principal.workspaceId
        do {
            let condition = try Condition.parse(text)
            let matching = try await engine.projector.preview(condition, workspaceId: ws).count
            let total = await engine.projector.profileCounts(workspaceId: ws).live
            return JSONResponse.make(.object([
                "size": .number(Double(matching)), "profiles": .number(Double(total)),
                "sizeText": .string(Self.number(matching)), "profilesText": .string(Self.number(total)),
            ]))
        } catch let e as ConditionError {
            return JSONResponse.error(e)
        }
    }
}
