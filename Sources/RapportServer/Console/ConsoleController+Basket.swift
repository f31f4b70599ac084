import Foundation
import Hummingbird
import RapportCore
import RapportEngine
import RapportInsights

/// Basket analysis: "customers who bought X also bought Y" over the workspace's orders, and the itemsets
/// bought together most often.
extension ConsoleController {
    func addBasketRoutes(to router: Router<RapportRequestContext>) {
        router.get("/insights/basket") { request, _ in try await withSession(request) { try await basket(request, $0, csv: false) } }
        router.get("/insights/basket.csv") { request, _ in try await withSession(request) { try await basket(request, $0, csv: true) } }
    }

    func basket(_ request: Request, _ v: Visitor, csv: Bool) async throws -> Response {
        let t = ConsoleStrings.table(v.language)
        guard Permission.readStats.roles.contains(v.principal.role) else { return forbidden(v) }
        let q = Self.query(request)
        let support = q["min_support_percent"].flatMap(Double.init) ?? 0.5
        let confidence = q["min_confidence_percent"].flatMap(Double.init) ?? 10
        var ctx: [String: Any] = [
            "t": t, "min_support_percent": Self.plain(support), "min_confidence_percent": Self.plain(confidence),
            "from": q["from"] ?? "", "to": q["to"] ?? "", "csvLink": "/insights/basket.csv?" + (request.uri.query ?? ""),
        ]
        var o: [String: JSONValue] = ["min_support": .number(support / 100), "min_confidence": .number(confidence / 100),
                                      "limit": .number(200)]
        for key in ["from", "to"] { if let x = q[key], !x.isEmpty { o[key] = .string(x) } }
        do {
            let r = try await engine.basketReport(workspaceId: v.principal.workspaceId, try ReportRequests.basketSpec(o))
            if csv { return Self.csvResponse(ReportRequests.csv(r), name: "basket.csv") }
            func label(_ items: [Int]) -> String {
                items.map { k in let id = r.id(k); return r.names[id].map { "\($0) (\(id))" } ?? id }.joined(separator: " + ")
            }
            ctx["report"] = true
            ctx["orders"] = Self.number(r.orders)
            ctx["minCount"] = Self.number(r.minCount)
            ctx["rules"] = r.rules.map { x -> [String: Any] in
                ["bought": label(x.antecedent), "also": label(x.consequent), "count": Self.number(x.count),
                 "support": Self.percent(x.support), "confidence": Self.percent(x.confidence), "lift": String(format: "%.2f", x.lift)]
            }
            ctx["noRules"] = r.rules.isEmpty
            ctx["itemsets"] = r.itemsets.prefix(50).map { s -> [String: Any] in
                ["items": label(s.items), "count": Self.number(s.count),
                 "support": Self.percent(r.orders > 0 ? Double(s.count) / Double(r.orders) : 0)]
            }
        } catch {
            guard let message = Self.message(error) else { throw error }
            if csv { return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: message))) }
            ctx["flash"] = message
        }
        return page("basket", title: t["basket"] ?? "Basket analysis", context: ctx, visitor: v, language: v.language,
                    active: "basket")
    }

    /// A number as typed: no trailing zeros.
    static func plain(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}
