import Foundation
import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportInsights

/// The AARRR dashboard: the five stages' key figures for the whole range,
/// new customers and revenue per period by channel (bars drawn on the
/// server), and every metric per period in one table, with CSV download.
extension ConsoleController {
    func addAARRRRoutes(to router: Router<RapportRequestContext>) {
        router.get("/insights/aarrr") { request, _ in try await withSession(request) { try await aarrr(request, $0, csv: false) } }
        router.get("/insights/aarrr.csv") { request, _ in try await withSession(request) { try await aarrr(request, $0, csv: true) } }
    }

    /// The form's fields as the API's request object.
    static func aarrrRequest(_ q: [String: String]) -> [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        o["period"] = .string(q["period"] ?? "week")
        o["periods"] = .number(Double(q["periods"].flatMap { Int($0) } ?? 12))
        o["activation_days"] = .number(Double(q["activation_days"].flatMap { Int($0) } ?? 7))
        if let a = q["activation_event"] {
            let trimmed = a.trimmingCharacters(in: .whitespaces)
            o["activation_event"] = trimmed.isEmpty ? .null : .string(trimmed)
        }
        for key in ["return_event", "end"] {
            if let v = q[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { o[key] = .string(v) }
        }
        if let offset = q["utc_offset_minutes"].flatMap({ Int($0) }) { o["utc_offset_minutes"] = .number(Double(offset)) }
        return o
    }

    func aarrr(_ request: Request, _ v: Visitor, csv: Bool) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readStats.roles.contains(v.principal.role) else { return forbidden(v) }
        let q = Self.query(request)
        let o = Self.aarrrRequest(q)
        let period = o["period"]?.stringValue ?? "week"
        var ctx: [String: Any] = [
            "t": t, "periods": q["periods"] ?? "12", "activation_event": q["activation_event"] ?? "Signed Up",
            "activation_days": q["activation_days"] ?? "7", "return_event": q["return_event"] ?? "",
            "csvLink": "/insights/aarrr.csv?" + (request.uri.query ?? ""),
        ]
        ctx["periodOptions"] = CalendarPeriod.allCases.map {
            ["value": $0.rawValue, "label": t["period_" + $0.rawValue] ?? $0.rawValue, "selected": $0.rawValue == period]
        }
        do {
            let report = try await engine.aarrrReport(workspaceId: v.principal.workspaceId, try ReportRequests.aarrrSpec(o))
            if csv {
                return Response(status: .ok, headers: [
                    .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"aarrr.csv\"",
                ], body: .init(byteBuffer: ByteBuffer(string: ReportRequests.csv(report))))
            }
            ctx["report"] = true
            fill(&ctx, report, t)
        } catch {
            guard let message = Self.message(error) else { throw error }
            if csv { return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: message))) }
            ctx["flash"] = message
        }
        return page("aarrr", title: t["aarrr"] ?? "AARRR", context: ctx, visitor: v, language: v.language, active: "aarrr")
    }

    private func fill(_ ctx: inout [String: Any], _ r: AARRRReport, _ t: [String: String]) {
        func rate(_ x: Double?) -> String { x.map(Self.percent) ?? "–" }
        func money(_ x: Double?) -> String { x.map(Self.money) ?? "–" }
        let total = r.total
        ctx["kpis"] = [
            ["key": "new", "label": t["newCustomers"] ?? "New customers", "value": Self.number(total.newProfiles)],
            ["key": "activation", "label": t["activationRate"] ?? "Activation", "value": rate(total.activation.rate)],
            ["key": "d7", "label": t["d7Retention"] ?? "D7 retention", "value": rate(total.d7.rate)],
            ["key": "arpu", "label": "ARPU", "value": money(total.arpu)],
            ["key": "repeat", "label": t["repeatRate"] ?? "Repeat rate", "value": rate(total.repeatRate)],
            ["key": "k", "label": t["viralCoefficient"] ?? "Viral coefficient",
             "value": total.viralCoefficient.map { String(format: "%.3f", $0) } ?? "–"],
        ]
        let labels = r.periods.map { ReportRequests.date($0.start) }
        /// The largest labels of a figure per period over the range, the rest as "other".
        func series(_ per: (AARRRReport.Period) -> [String: Double], top: Int = 6) -> [(name: String, values: [Double])] {
            var sums: [String: Double] = [:]
            for p in r.periods { sums.merge(per(p), uniquingKeysWith: +) }
            let kept = AARRRReport.ranked(sums).prefix(top).map(\.key)
            var out = kept.map { k in (name: k, values: r.periods.map { per($0)[k] ?? 0 }) }
            if sums.count > top {
                let keptSet = Set(kept)
                out.append((t["other"] ?? "other", r.periods.map { p in per(p).filter { !keptSet.contains($0.key) }.values.reduce(0, +) }))
            }
            return out
        }
        ctx["acquisitionChart"] = SVGChart.stackedBars(
            days: labels, series: series { p in (p.acquisition["channel"] ?? [:]).mapValues(Double.init) },
            title: t["newByChannel"] ?? "New customers by channel", emptyText: t["noData"] ?? "No data")
        ctx["revenueChart"] = SVGChart.stackedBars(
            days: labels, series: series { $0.revenueByChannel },
            title: t["revenueByChannel"] ?? "Revenue by channel", emptyText: t["noData"] ?? "No data")
        ctx["sources"] = AARRRReport.ranked(total.acquisition["utm_source"] ?? [:]).prefix(12).map {
            ["label": $0.key, "count": Self.number($0.value),
             "share": Self.percent(Double($0.value) / Double(max(1, total.newProfiles)))]
        }
        ctx["rows"] = (r.periods.map { (ReportRequests.date($0.start), $0) } + [(t["total"] ?? "Total", total)]).map { label, p -> [String: Any] in
            [
                "label": label, "partial": !p.complete, "new": Self.number(p.newProfiles), "activation": rate(p.activation.rate),
                "d1": rate(p.d1.rate), "d7": rate(p.d7.rate), "d30": rate(p.d30.rate), "w1": rate(p.w1.rate),
                "active": Self.number(p.activeProfiles), "paying": rate(p.payingRate), "arpu": money(p.arpu),
                "arppu": money(p.arppu), "repeat": rate(p.repeatRate), "revenue": Self.money(p.revenue),
                "invites": Self.number(p.invites), "referred": Self.number(p.referred),
                "k": p.viralCoefficient.map { String(format: "%.3f", $0) } ?? "–",
            ]
        }
    }
}
