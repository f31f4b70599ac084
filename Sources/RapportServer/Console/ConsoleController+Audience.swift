import Foundation
import Hummingbird
import RapportAudience
import RapportCore
import RapportEngine
import RapportStore

/// The console's tag manager, RFM grid and cluster profiles.
extension ConsoleController {
    func addAudienceRoutes(to router: Router<RapportRequestContext>) {
        router.get("/tags") { request, _ in try await withSession(request) { try await tags(request, $0, flash: nil) } }
        router.post("/tags") { request, _ in try await withSession(request) { try await saveTag(request, $0) } }
        router.post("/tags/{name}/delete") { request, context in
            try await withSession(request) { try await deleteTag(request, context, $0) }
        }
        router.post("/tags/{name}/upload") { request, context in
            try await withSession(request) { try await uploadTag(request, context, $0) }
        }
        router.get("/rfm") { request, _ in try await withSession(request) { try await rfm(request, $0, flash: nil) } }
        router.post("/rfm/standard") { request, _ in try await withSession(request) { try await useStandardRFM(request, $0) } }
        router.get("/clusters") { request, _ in try await withSession(request) { try await clusters(request, $0, flash: nil) } }
        router.post("/clusters/standard") { request, _ in
            try await withSession(request) { try await clusterAction(request, $0, .standard) }
        }
        router.post("/clusters/fit") { request, _ in try await withSession(request) { try await clusterAction(request, $0, .fit) } }
        router.post("/clusters/names") { request, _ in
            try await withSession(request) { try await clusterAction(request, $0, .names) }
        }
    }

    var editRoles: Set<Role> { Permission.editAudience.roles }

    /// What an action's error says, for the flash line.
    static func message(_ error: any Error) -> String? {
        switch error {
        case let e as ConditionError: e.line > 0 ? "\(e.message) (\(e.line):\(e.column))" : e.message
        case let e as RapportError: e.message
        default: nil
        }
    }

    // MARK: - Tags

    /// A tag group's name for people: the translation of a usual group, or the name as given.
    static func groupLabel(_ group: String, _ t: [String: String]) -> String { t["tagGroup_" + group] ?? group }

    func tags(_ request: Request, _ v: Visitor, flash: String?, form: [String: String] = [:]) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readProfiles.roles.contains(v.principal.role) else { return forbidden(v) }
        let all = try await engine.tags(workspaceId: v.principal.workspaceId)
        let byGroup = Dictionary(grouping: all, by: { $0.record.group })
        let order = Engine.defaultTagGroups.filter { byGroup[$0] != nil } + byGroup.keys.filter { !Engine.defaultTagGroups.contains($0) }.sorted()
        let groups: [[String: Any]] = order.map { g in
            [
                "group": g, "label": Self.groupLabel(g, t),
                "tags": (byGroup[g] ?? []).sorted { $0.record.name < $1.record.name }.map { tag -> [String: Any] in
                    var row: [String: Any] = [
                        "name": tag.record.name, "size": Self.number(tag.size), "description": tag.record.description,
                        "path": tag.record.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
                    ]
                    if !tag.record.body.isEmpty { row["rule"] = tag.record.body }
                    return row
                },
            ]
        }
        var ctx: [String: Any] = [
            "t": t, "groups": groups, "noTags": all.isEmpty, "canEdit": editRoles.contains(v.principal.role),
            "groupChoices": Engine.defaultTagGroups.map { ["group": $0, "label": Self.groupLabel($0, t)] },
            "name": form["name"] ?? "", "group": form["group"] ?? "", "rule": form["rule"] ?? "",
            "description": form["description"] ?? "",
        ]
        if let flash { ctx["flash"] = flash }
        return page("tags", title: t["tags"] ?? "Tags", context: ctx, visitor: v, language: v.language, active: "tags")
    }

    func saveTag(_ request: Request, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard editRoles.contains(v.principal.role) else { return forbidden(v) }
        let form = try await Self.form(request)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            try await engine.saveDefinition(workspaceId: v.principal.workspaceId, kind: .tag, name: name,
                                            body: form["rule"] ?? "", description: form["description"] ?? "",
                                            group: (form["group"] ?? "").trimmingCharacters(in: .whitespaces))
            return try await tags(request, v, flash: (t["tagSaved"] ?? "Tag %1 saved.").replacingOccurrences(of: "%1", with: name))
        } catch {
            guard let m = Self.message(error) else { throw error }
            return try await tags(request, v, flash: m, form: form)
        }
    }

    func deleteTag(_ request: Request, _ context: RapportRequestContext, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard editRoles.contains(v.principal.role) else { return forbidden(v) }
        _ = try await Self.form(request)
        let name = try context.pathName()
        do {
            try await engine.deleteDefinition(workspaceId: v.principal.workspaceId, kind: .tag, name: name)
            return try await tags(request, v, flash: (t["tagDeleted"] ?? "Tag %1 deleted.").replacingOccurrences(of: "%1", with: name))
        } catch {
            guard let m = Self.message(error) else { throw error }
            return try await tags(request, v, flash: m)
        }
    }

    /// A CSV body (as `POST /v1/tags/{name}/upload`), sent by the page's
    /// script; `?remove=1` takes the tag off. Answers JSON: the report, the
    /// tag's size now and a sentence for people.
    func uploadTag(_ request: Request, _ context: RapportRequestContext, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard editRoles.contains(v.principal.role) else {
            return JSONResponse.error(RapportError(.forbidden, t["forbiddenMessage"] ?? "forbidden"))
        }
        let ws = v.principal.workspaceId
        do {
            let name = try context.pathName()
            let remove = request.uri.queryParameters["remove"].map { $0 == "1" || $0 == "true" } ?? false
            let buffer = try await request.collectBody(limit: 64 << 20)
            let change = try await engine.setTag(name, csv: Array(buffer.readableBytesView), added: !remove,
                                                 workspaceId: ws, by: "console:\(v.principal.name)")
            let size = await engine.tagMembers(workspaceId: ws, tag: name).count
            let text = (t[remove ? "tagUploadRemoved" : "tagUploadAdded"] ?? "%1 changed, %2 unchanged, %3 not found.")
                .replacingOccurrences(of: "%1", with: Self.number(change.changed))
                .replacingOccurrences(of: "%2", with: Self.number(change.unchanged))
                .replacingOccurrences(of: "%3", with: Self.number(change.notFound.count))
            var o = TagController.report(change).objectValue ?? [:]
            o["size"] = .number(Double(size))
            o["sizeText"] = .string(Self.number(size))
            o["text"] = .string(text + (change.notFound.isEmpty ? "" : " " + change.notFound.prefix(5).joined(separator: "; ")))
            return JSONResponse.make(.object(o))
        } catch let e as RapportError {
            return JSONResponse.error(e)
        }
    }

    // MARK: - RFM

    /// An RFM group's name for people.
    static func rfmGroupLabel(_ g: RFM.Group, _ t: [String: String]) -> String {
        t["rfmGroup_" + g.rawValue.replacingOccurrences(of: " ", with: "_")] ?? g.rawValue
    }

    func rfm(_ request: Request, _ v: Visitor, flash: String?) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readProfiles.roles.contains(v.principal.role) else { return forbidden(v) }
        var ctx: [String: Any] = ["t": t, "canEdit": editRoles.contains(v.principal.role)]
        if let flash { ctx["flash"] = flash }
        guard let o = await engine.projector.rfmOverview(workspaceId: v.principal.workspaceId) else {
            ctx["noModel"] = true
            return page("rfm", title: t["rfm"] ?? "RFM", context: ctx, visitor: v, language: v.language, active: "rfm")
        }
        let most = max(1, o.cells.map(\.customers).max() ?? 1)
        let total = max(1, o.scored)
        ctx["rows"] = (1...5).reversed().map { r -> [String: Any] in
            [
                "r": r,
                "cells": o.cells.filter { $0.r == r }.sorted { $0.f < $1.f }.map { c -> [String: Any] in
                    let group = RFM.Group(r: c.r, f: c.f)
                    return [
                        "r": c.r, "f": c.f, "customers": c.customers, "count": Self.number(c.customers),
                        "monetary": Self.money(c.monetary), "group": Self.rfmGroupLabel(group, t),
                        // Darker with more customers; never fully transparent, so the grid reads as one.
                        "alpha": String(format: "%.2f", 0.08 + 0.82 * Double(c.customers) / Double(most)),
                        "dark": Double(c.customers) / Double(most) > 0.55,
                    ]
                },
            ]
        }
        ctx["groups"] = o.groups.map { g -> [String: Any] in
            ["group": g.group.rawValue, "label": Self.rfmGroupLabel(g.group, t), "count": Self.number(g.customers),
             "share": String(format: "%.1f", Double(g.customers) * 100 / Double(total))]
        }
        ctx["scored"] = Self.number(o.scored)
        ctx["computedAt"] = Self.time(o.computedAt)
        ctx["purchaseEvent"] = o.model.purchaseEvent
        ctx["amountProperty"] = o.model.amountProperty
        return page("rfm", title: t["rfm"] ?? "RFM", context: ctx, visitor: v, language: v.language, active: "rfm")
    }

    func useStandardRFM(_ request: Request, _ v: Visitor) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard editRoles.contains(v.principal.role) else { return forbidden(v) }
        _ = try await Self.form(request)
        do {
            try await engine.saveRFM(workspaceId: v.principal.workspaceId, model: RFMModel())
            return try await rfm(request, v, flash: t["rfmSaved"] ?? "RFM is on.")
        } catch {
            guard let m = Self.message(error) else { throw error }
            return try await rfm(request, v, flash: m)
        }
    }

    // MARK: - Clusters

    /// A cluster's name for people: the operator's, or "Cluster N" in the console's language.
    static func clusterLabel(_ number: Int, _ given: String?, _ t: [String: String]) -> String {
        given ?? "\(t["cluster"] ?? "Cluster") \(number)"
    }

    func clusters(_ request: Request, _ v: Visitor, flash: String?) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readProfiles.roles.contains(v.principal.role) else { return forbidden(v) }
        var ctx: [String: Any] = ["t": t, "canEdit": editRoles.contains(v.principal.role)]
        if let flash { ctx["flash"] = flash }
        guard let o = await engine.projector.clusterOverview(workspaceId: v.principal.workspaceId), let fit = o.model.fit else {
            ctx["noModel"] = true
            return page("clusters", title: t["clusters"] ?? "Clusters", context: ctx, visitor: v, language: v.language,
                        active: "clusters")
        }
        let total = max(1, o.clusters.map(\.size).reduce(o.unassigned, +))
        ctx["features"] = o.model.features.map { f in
            ["attribute": f.attribute, "transform": f.transform == .none ? "" : f.transform.rawValue]
        }
        ctx["clusters"] = o.clusters.map { c -> [String: Any] in
            [
                "number": c.number, "name": Self.clusterLabel(c.number, o.model.givenName(of: c.number), t),
                "givenName": o.model.givenName(of: c.number) ?? "",
                "size": Self.number(c.size), "share": String(format: "%.1f", Double(c.size) * 100 / Double(total)),
                "color": SVGChart.color(at: c.number - 1),
                "condition": "cluster = \(c.number)",
                "segmentLink": "/segments?condition=" + ("cluster = \(c.number)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                "figures": zip(c.centre, c.standardised).map { centre, z -> [String: Any] in
                    // A bar from the middle: right for above the average customer, left for below (capped at 2 deviations).
                    let w = min(abs(z), 2) / 2 * 50
                    return ["value": Self.figure(centre), "z": String(format: "%+.2f", z),
                            "left": String(format: "%.1f", z < 0 ? 50 - w : 50), "width": String(format: "%.1f", w),
                            "above": z >= 0]
                },
            ]
        }
        ctx["unassigned"] = Self.number(o.unassigned)
        ctx["fit"] = [
            "at": Self.time(fit.fittedAt), "profiles": Self.number(fit.profiles), "sampled": Self.number(fit.sampled),
            "inertia": String(format: "%.1f", fit.inertia), "k": o.model.k,
        ] as [String: Any]
        return page("clusters", title: t["clusters"] ?? "Clusters", context: ctx, visitor: v, language: v.language,
                    active: "clusters")
    }

    /// A figure for people: whole numbers as such, others with two decimals.
    static func figure(_ x: Double) -> String {
        guard x.isFinite else { return "—" }
        return abs(x) >= 100 ? number(Int(x.rounded())) : String(format: "%.2f", x)
    }

    enum ClusterAction { case standard, fit, names }

    func clusterAction(_ request: Request, _ v: Visitor, _ action: ClusterAction) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard editRoles.contains(v.principal.role) else { return forbidden(v) }
        let form = try await Self.form(request)
        let ws = v.principal.workspaceId
        do {
            switch action {
            case .standard:
                if await engine.projector.rfmModel(workspaceId: ws) == nil {
                    return try await clusters(request, v, flash: t["clustersNeedRFM"] ?? "Turn RFM on first.")
                }
                try await engine.saveClusters(workspaceId: ws, model: .rfm)
            case .fit:
                try await engine.refitClusters(workspaceId: ws)
            case .names:
                let k = await engine.projector.clusterModel(workspaceId: ws)?.k ?? 0
                try await engine.nameClusters(workspaceId: ws, names: (0..<k).map { form["name_\($0 + 1)"] ?? "" })
            }
            return try await clusters(request, v, flash: t[action == .names ? "clustersNamed" : "clustersFitted"] ?? "Saved.")
        } catch {
            guard let m = Self.message(error) else { throw error }
            return try await clusters(request, v, flash: m)
        }
    }
}
