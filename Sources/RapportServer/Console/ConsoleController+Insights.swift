import Foundation
import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportIngest
import RapportInsights

/// The console's reports: a funnel (bars per step, drop-off, step times,
/// breakdown, trend, CSV download) and the retention triangle.
extension ConsoleController {
    func addInsightsRoutes(to router: Router<RapportRequestContext>) {
        router.get("/insights/funnel") { request, _ in try await withSession(request) { try await funnel(request, $0, csv: false) } }
        router.get("/insights/funnel.csv") { request, _ in try await withSession(request) { try await funnel(request, $0, csv: true) } }
        router.get("/insights/retention") { request, _ in try await withSession(request) { try await retention(request, $0, csv: false) } }
        router.get("/insights/retention.csv") { request, _ in try await withSession(request) { try await retention(request, $0, csv: true) } }
        router.get("/insights/paths") { request, _ in try await withSession(request) { try await paths(request, $0, csv: false) } }
        router.get("/insights/paths.csv") { request, _ in try await withSession(request) { try await paths(request, $0, csv: true) } }
        router.post("/insights/funnel/save") { request, _ in try await withSession(request) { try await saveDropped(request, $0) } }
    }

    /// Saves the customers who dropped after a step as a static segment (its whole list), then shows the funnel.
    func saveDropped(_ request: Request, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard editRoles.contains(v.principal.role) else { return forbidden(v) }
        let form = try await Self.form(request)
        let name = (form["segment"] ?? "").trimmingCharacters(in: .whitespaces)
        var flash: String
        do {
            guard let k = form["after"].flatMap(Int.init) else { throw RapportError(.invalidArgument, t["chooseStep"] ?? "Choose a step.") }
            var o = Self.funnelRequest(form)
            o["dropped_after"] = .number(Double(k))
            o["save_dropped_as"] = .string(name)
            let spec = try ReportRequests.funnelSpec(o, now: engine.clock.nowMillis())
            let (_, paths) = try await engine.funnelReport(workspaceId: v.principal.workspaceId, spec)
            guard (1..<max(2, spec.steps.count)).contains(k) else { throw RapportError(.invalidArgument, t["chooseStep"] ?? "Choose a step.") }
            let dropped = FunnelReport.dropped(paths, afterStep: k)
            _ = try await engine.saveStaticSegment(name, profiles: dropped, replace: true, workspaceId: v.principal.workspaceId,
                                                   by: "console:\(v.principal.name)")
            flash = (t["droppedSaved"] ?? "%1 customers saved as segment %2.")
                .replacingOccurrences(of: "%1", with: Self.number(dropped.count)).replacingOccurrences(of: "%2", with: name)
        } catch {
            guard let message = Self.message(error) else { throw error }
            flash = message
        }
        return try await funnel(request, v, csv: false, fields: form, flash: flash)
    }

    func paths(_ request: Request, _ v: Visitor, csv: Bool) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readStats.roles.contains(v.principal.role) else { return forbidden(v) }
        let q = Self.query(request)
        let given = q["anchor"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let anchor = given.isEmpty ? "Product Viewed" : given
        let direction = q["direction"] == "before" ? "before" : "after"
        let steps = q["steps"].flatMap { Int($0) } ?? 4
        var ctx: [String: Any] = ["t": t, "anchor": anchor, "steps": String(steps), "from": q["from"] ?? "", "to": q["to"] ?? ""]
        ctx["directions"] = ["after", "before"].map { ["value": $0, "label": t["direction_" + $0] ?? $0, "selected": $0 == direction] }
        var o: [String: JSONValue] = ["anchor": .string(anchor), "direction": .string(direction), "steps": .number(Double(steps))]
        for key in ["from", "to"] { if let v = q[key], !v.isEmpty { o[key] = .string(v) } }
        do {
            let report = try await engine.pathReport(workspaceId: v.principal.workspaceId,
                                                     try ReportRequests.pathSpec(o, now: engine.clock.nowMillis()))
            if csv {
                var text = CSVText.line(["depth", "from", "to", "profiles"])
                for l in report.links { text += CSVText.line([String(l.depth), l.from, l.to, String(l.count)]) }
                return Self.csvResponse(text, name: "paths.csv")
            }
            ctx["csvLink"] = "/insights/paths.csv?" + (request.uri.query ?? "")
            ctx["report"] = true
            ctx["anchored"] = Self.number(report.anchored)
            ctx["chart"] = SVGChart.sankey(anchor: anchor, anchored: report.anchored,
                                           links: report.links.map { ($0.depth, $0.from, $0.to, $0.count) },
                                           label: t["pathsChart"] ?? "Paths")
            let total = max(1, report.anchored)
            ctx["next"] = report.next.map { ["name": $0.name, "count": Self.number($0.count), "share": Self.percent(Double($0.count) / Double(total))] }
            ctx["top"] = report.top.map { ["path": $0.steps.isEmpty ? PathReport.end : $0.steps.joined(separator: " → "),
                                           "count": Self.number($0.count)] }
        } catch {
            guard let message = Self.message(error) else { throw error }
            if csv { return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: message))) }
            ctx["flash"] = message
        }
        return page("paths", title: t["paths"] ?? "Paths", context: ctx, visitor: v, language: v.language, active: "paths")
    }

    /// The demo business's purchase funnel, shown until the operator asks for another.
    static let defaultFunnel = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]

    /// The funnel form's fields from the query, as the API's request object.
    static func funnelRequest(_ q: [String: String]) -> [String: JSONValue] {
        let steps = (q["steps"] ?? defaultFunnel.joined(separator: "\n"))
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var o: [String: JSONValue] = ["steps": .array(steps.map { .string($0) })]
        o["window_days"] = .number(Double(q["window_days"].flatMap { Int($0) } ?? 30))
        for key in ["order", "from", "to", "breakdown", "trend"] {
            if let v = q[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { o[key] = .string(v) }
        }
        if let offset = q["utc_offset_minutes"].flatMap({ Int($0) }) { o["utc_offset_minutes"] = .number(Double(offset)) }
        return o
    }

    /// A GET form's fields (spaces sent as `+`).
    static func query(_ request: Request) -> [String: String] {
        formFields(String((request.uri.query ?? "").prefix(64 * 1024)))
    }

    func funnel(_ request: Request, _ v: Visitor, csv: Bool, fields: [String: String]? = nil, flash: String? = nil)
        async throws -> Response
    {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readStats.roles.contains(v.principal.role) else { return forbidden(v) }
        let q = fields ?? Self.query(request)
        let o = Self.funnelRequest(q)
        var ctx: [String: Any] = [
            "t": t, "steps": (o["steps"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n"),
            "window_days": q["window_days"] ?? "30", "from": q["from"] ?? "", "to": q["to"] ?? "",
            "breakdown": q["breakdown"] ?? "", "csvLink": "/insights/funnel.csv?" + (request.uri.query ?? ""),
        ]
        let order = q["order"] ?? "sequential", trend = q["trend"] ?? "day"
        ctx["orders"] = FunnelOrder.allCases.map { ["value": $0.rawValue, "label": t["order_" + $0.rawValue] ?? $0.rawValue, "selected": $0.rawValue == order] }
        ctx["trends"] = CalendarPeriod.allCases.map { ["value": $0.rawValue, "label": t["period_" + $0.rawValue] ?? $0.rawValue, "selected": $0.rawValue == trend] }
        var withTrend = o
        if withTrend["trend"] == nil { withTrend["trend"] = .string("day") }
        do {
            let spec = try ReportRequests.funnelSpec(withTrend, now: engine.clock.nowMillis())
            let (report, _) = try await engine.funnelReport(workspaceId: v.principal.workspaceId, spec)
            if csv { return Self.funnelCSV(report) }
            let first = max(1, report.steps.first?.count ?? 0)
            ctx["report"] = true
            ctx["chart"] = SVGChart.funnel(report.steps.map { ($0.label, $0.count) },
                                           label: t["funnelChart"] ?? "Profiles per step")
            ctx["rows"] = report.steps.enumerated().map { k, s -> [String: Any] in
                [
                    "n": k + 1, "label": s.label, "count": Self.number(s.count),
                    "conversion": Self.percent(Double(s.count) / Double(first)),
                    "stepConversion": k == 0 ? "" : Self.percent(s.stepConversion),
                    "dropped": k + 1 < report.steps.count ? Self.number(s.droppedAfter) : "",
                    "median": s.medianSeconds.map(Self.duration) ?? "",
                ]
            }
            ctx["groups"] = report.groups.map { g -> [String: Any] in
                ["label": g.label, "counts": g.counts.map(Self.number), "conversion": Self.percent(g.conversion)]
            }
            ctx["hasGroups"] = !report.groups.isEmpty
            ctx["stepHeads"] = report.steps.map(\.label)
            ctx["trendChart"] = SVGChart.sparkline(report.trend.map { $0.conversion * 100 }, width: 360, height: 48,
                                                   label: (t["conversionTrend"] ?? "Conversion") + ": "
                                                       + report.trend.map { Self.percent($0.conversion) }.joined(separator: ", "))
            ctx["hasTrend"] = report.trend.count > 1
            ctx["canSave"] = editRoles.contains(v.principal.role) && report.steps.count > 1
            ctx["afterOptions"] = report.steps.dropLast().enumerated().map { k, s in ["n": k + 1, "label": "\(k + 1). \(s.label)"] }
            for key in ["order", "trend", "utc_offset_minutes"] { ctx["form_" + key] = q[key] ?? "" }
        } catch {
            guard let message = Self.message(error) else { throw error }
            if csv { return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: message))) }
            ctx["flash"] = message
        }
        if let flash { ctx["flash"] = flash }
        return page("funnel", title: t["funnel"] ?? "Funnel", context: ctx, visitor: v, language: v.language, active: "funnel")
    }

    static func funnelCSV(_ r: FunnelReport) -> Response {
        var text = CSVText.line(["step", "label", "count", "conversion", "step_conversion", "dropped_after", "median_seconds"])
        for (k, s) in r.steps.enumerated() {
            text += CSVText.line([String(k + 1), CSVText.cell(.string(s.label)), String(s.count), String(s.conversion),
                                  String(s.stepConversion), String(s.droppedAfter), s.medianSeconds.map { String($0) } ?? ""])
        }
        return Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"funnel.csv\"",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func retention(_ request: Request, _ v: Visitor, csv: Bool) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readStats.roles.contains(v.principal.role) else { return forbidden(v) }
        let q = Self.query(request)
        let cohort = q["cohort_event"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let returns = q["return_event"]?.trimmingCharacters(in: .whitespaces) ?? "Order Completed"
        let period = q["period"] ?? "week", mode = q["mode"] ?? "bounded"
        let periods = q["periods"].flatMap { Int($0) } ?? 8
        let breakdown = q["breakdown"]?.trimmingCharacters(in: .whitespaces) ?? ""
        var ctx: [String: Any] = ["t": t, "cohort_event": cohort, "return_event": returns, "periods": String(periods),
                                  "breakdown": breakdown, "csvLink": "/insights/retention.csv?" + (request.uri.query ?? "")]
        ctx["periodOptions"] = CalendarPeriod.allCases.map { ["value": $0.rawValue, "label": t["period_" + $0.rawValue] ?? $0.rawValue, "selected": $0.rawValue == period] }
        ctx["modes"] = Retention.Mode.allCases.map { ["value": $0.rawValue, "label": t["mode_" + $0.rawValue] ?? $0.rawValue, "selected": $0.rawValue == mode] }
        var o: [String: JSONValue] = ["return_event": .string(returns), "period": .string(period), "periods": .number(Double(periods)),
                                      "mode": .string(mode)]
        if !cohort.isEmpty { o["cohort_event"] = .string(cohort) }
        if let s = q["segment"], !s.isEmpty { o["segment"] = .string(s) }
        if !breakdown.isEmpty { o["breakdown"] = .string(breakdown) }
        do {
            let (m, groups) = try await engine.retentionReports(workspaceId: v.principal.workspaceId, try ReportRequests.retentionSpec(o))
            if csv {
                let heads = (0...periods).map { "\(m.period.rawValue)_\($0)" }
                var text = CSVText.line((groups.isEmpty ? [] : ["group"]) + ["cohort_start", "size"] + heads)
                text += groups.isEmpty ? ReportRequests.csvLines(m)
                    : ReportRequests.csvLines(m, group: "(all)") + groups.map { ReportRequests.csvLines($0.matrix, group: $0.label) }.joined()
                return Response(status: .ok, headers: [
                    .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"retention.csv\"",
                ], body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            ctx["report"] = true
            ctx["heads"] = (0...periods).map { "\(t["period_" + period] ?? period) \($0)" }
            ctx["cohorts"] = Self.retentionRows(m)
            ctx["noCohorts"] = m.cohortStarts.isEmpty
            ctx["groups"] = groups.map { g -> [String: Any] in ["label": g.label, "cohorts": Self.retentionRows(g.matrix)] }
        } catch {
            guard let message = Self.message(error) else { throw error }
            if csv { return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: message))) }
            ctx["flash"] = message
        }
        return page("retention", title: t["retention"] ?? "Retention", context: ctx, visitor: v, language: v.language,
                    active: "retention")
    }

    /// A matrix's rows for the triangle: each cohort's start, size and cells shaded by rate.
    static func retentionRows(_ m: Retention.Matrix) -> [[String: Any]] {
        m.cohortStarts.indices.map { c -> [String: Any] in
            [
                "start": ReportRequests.date(m.cohortStarts[c]), "size": Self.number(m.sizes[c]),  // trap-ok: indices
                "cells": m.counts[c].indices.map { k -> [String: Any] in  // trap-ok: same
                    guard let rate = m.rate(c, k) else { return ["empty": true] }
                    return ["rate": Self.percent(rate), "alpha": String(format: "%.2f", 0.08 + 0.8 * rate), "dark": rate > 0.45]
                },
            ]
        }
    }

    /// A CSV file to download.
    static func csvResponse(_ text: String, name: String) -> Response {
        Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", (x.isFinite ? x : 0) * 100) }

    /// Seconds as the largest unit that fits: 45s, 12m, 3.5h, 2.1d.
    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<60: return String(format: "%.0fs", seconds)
        case ..<3_600: return String(format: "%.0fm", seconds / 60)
        case ..<86_400: return String(format: "%.1fh", seconds / 3_600)
        default: return String(format: "%.1fd", seconds / 86_400)
        }
    }
}
