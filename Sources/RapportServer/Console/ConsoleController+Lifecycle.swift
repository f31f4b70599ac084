import Foundation
import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportStore

/// The console's lifecycle overview: how many customers are in each stage,
/// each stage's 30-day trend, and the moves between stages.
extension ConsoleController {
    func addLifecycleRoutes(to router: Router<RapportRequestContext>) {
        router.get("/lifecycle") { request, _ in try await withSession(request) { try await lifecycle(request, $0, flash: nil) } }
        router.post("/lifecycle/standard") { request, _ in try await withSession(request) { try await useStandard(request, $0) } }
    }

    /// A stage's name for people: the translation of a default stage, or the name as defined.
    static func stageLabel(_ name: String, _ t: [String: String]) -> String { t["stage_" + name] ?? name }

    func lifecycle(_ request: Request, _ v: Visitor, flash: String?) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readProfiles.roles.contains(v.principal.role) else { return forbidden(v) }
        let ws = v.principal.workspaceId
        let days = 30
        var ctx: [String: Any] = ["t": t, "canEdit": Permission.editAudience.roles.contains(v.principal.role)]
        if let flash { ctx["flash"] = flash }
        guard let o = await engine.projector.lifecycleOverview(workspaceId: ws, days: days) else {
            ctx["noModel"] = true
            return page("lifecycle", title: t["lifecycle"] ?? "Lifecycle", context: ctx, visitor: v,
                        language: v.language, active: "lifecycle")
        }
        let total = max(1, o.stages.map(\.size).reduce(o.unstaged, +))
        var stages: [[String: Any]] = []
        for (k, s) in o.stages.enumerated() {
            let points = await engine.projector.stageHistory(workspaceId: ws, stage: s.name, lastDays: days, hourly: false)
            let label = Self.stageLabel(s.name, t)
            stages.append([
                "name": s.name, "label": label, "description": s.description, "size": Self.number(s.size),
                "share": String(format: "%.1f", Double(s.size) * 100 / Double(total)),
                "color": SVGChart.color(at: k),
                "trend": SVGChart.sparkline(points.map { Double($0.size) },
                                            label: "\(label): " + points.map { String($0.size) }.joined(separator: ", ")),
                "warning": s.name == o.model.warningStage,
            ])
        }
        ctx["stages"] = stages
        ctx["unstaged"] = Self.number(o.unstaged)
        ctx["flows"] = o.flows.prefix(40).map { f -> [String: Any] in
            ["from": f.flow.from.map { Self.stageLabel($0, t) } ?? (t["noStage"] ?? "—"),
             "to": f.flow.to.map { Self.stageLabel($0, t) } ?? (t["noStage"] ?? "—"),
             "count": Self.number(f.count), "fromName": f.flow.from ?? "", "toName": f.flow.to ?? ""]
        }
        ctx["noFlows"] = o.flows.isEmpty
        ctx["conditions"] = o.model.stages.map { ["label": Self.stageLabel($0.name, t), "condition": $0.condition] }
        // Stages week by week, and this week's moves as a matrix (from rows, to columns), worked out from the events.
        if let r = try? await engine.projector.lifecycleHistory(workspaceId: ws, period: .week, count: 8, offsetMinutes: 0),
           r.periods.count >= 2 {
            let labels = r.periods.map { String(Timestamp.formatISO8601($0.start).prefix(10)) }
            ctx["weeksChart"] = SVGChart.stackedBars(
                days: labels,
                series: r.stages.enumerated().map { k, name in
                    (Self.stageLabel(name, t), r.periods.map { Double($0.sizes.indices.contains(k) ? $0.sizes[k] : 0) })  // trap-ok: checked
                },
                title: t["stagesByWeek"] ?? "Customers per stage, week by week")
            let week = r.periods[r.periods.count - 1]  // trap-ok: count ≥ 2
            var cells: [String: Int] = [:]
            for f in week.flows { cells[(f.flow.from ?? "") + "\t" + (f.flow.to ?? "")] = f.count }
            let names = [""] + r.stages
            func label(_ n: String) -> String { n.isEmpty ? (t["noStage"] ?? "—") : Self.stageLabel(n, t) }
            ctx["matrixWeek"] = labels[labels.count - 1]  // trap-ok: count ≥ 2
            ctx["matrixHeads"] = names.map(label)
            ctx["matrixRows"] = names.map { from -> [String: Any] in
                ["label": label(from), "name": from,
                 "cells": names.map { to -> [String: Any] in
                     let n = from == to ? 0 : cells[from + "\t" + to] ?? 0
                     return ["count": n == 0 ? "" : Self.number(n), "to": to, "n": n]
                 }]
            }
        }
        return page("lifecycle", title: t["lifecycle"] ?? "Lifecycle", context: ctx, visitor: v, language: v.language,
                    active: "lifecycle")
    }

    func useStandard(_ request: Request, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.editAudience.roles.contains(v.principal.role) else { return forbidden(v) }
        _ = try await Self.form(request)
        do {
            try await engine.saveStandardLifecycle(workspaceId: v.principal.workspaceId)
            return try await lifecycle(request, v, flash: t["lifecycleSaved"] ?? "The default lifecycle model is on.")
        } catch let e as ConditionError {
            return try await lifecycle(request, v, flash: e.message)
        } catch let e as RapportError {
            return try await lifecycle(request, v, flash: e.message)
        }
    }

    /// The audience panel of the customer page: stage with its reason, tags, segments, computed traits.
    static func audienceContext(_ view: ProfileView, _ t: [String: String]) -> [String: Any] {
        var out: [String: Any] = [
            "tags": view.tags, "segments": view.segments,
            "computed": view.computed.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": display($0.value)] },
        ]
        if let r = view.rfm {
            out["rfm"] = ["score": r.score, "group": rfmGroupLabel(r.group, t), "recency": String(r.recencyDays),
                          "frequency": String(r.frequency), "monetary": money(r.monetary)]
        }
        if let c = view.clv {
            out["clv"] = ["value": money(c.value), "pAlive": String(format: "%.4f", c.probabilityAlive),
                          "pAliveShare": String(format: "%.0f%%", c.probabilityAlive * 100),
                          "expectedPurchases": String(format: "%.2f", c.expectedPurchases)]
        }
        if let risk = view.churnRisk {
            out["churn"] = ["risk": String(format: "%.4f", risk), "share": String(format: "%.0f%%", risk * 100), "high": risk >= 0.7,
                            "meaning": (t["churnRiskMeaning"] ?? "no purchase in the next %1 days")
                                .replacingOccurrences(of: "%1", with: String(view.churnHorizonDays ?? 90))]
        }
        if let c = view.cluster { out["cluster"] = ["number": c.number, "name": clusterLabel(c.number, c.name, t)] as [String: Any] }
        if let s = view.stage {
            out["stage"] = [
                "name": s.name, "label": stageLabel(s.name, t), "description": s.description,
                "since": s.since.map(time) ?? "",
                "reason": s.reason.map { ["condition": $0.condition, "value": $0.value ?? "—"] },
            ] as [String: Any]
        }
        return out
    }
}
