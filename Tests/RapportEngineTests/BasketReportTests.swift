import Foundation
import RapportCore
import RapportDemo
import RapportInsights
import RapportStore
import Testing

@testable import RapportEngine

/// Basket analysis over a workspace's orders: the baskets are the line items of the purchase events each
/// profile's timeline holds, and every itemset and rule has the counts direct counting over them gives.
@Suite struct BasketReportTests {
    @Test func rulesOfTheWorkspacesOrdersEqualCountsOverTheTimelines() async throws {
        let end = DemoConfig.defaultEndMillis
        let (engine, key, ws) = try await makeEngine(now: end + 3_600_000)
        for b in demoBatches(DemoConfig(customers: 500, days: 150, seed: 17, endMillis: end)) {
            try await engine.send(b.body, key: key)
        }
        // An order with a numeric item id and one without items: the first counts, the second does not.
        try await engine.send(#"{"batch":[{"type":"track","userId":"x1","event":"Order Completed","messageId":"b1","properties":{"products":[{"product_id":7},{"product_id":7},{"sku":"only-sku"}]}},{"type":"track","userId":"x1","event":"Order Completed","messageId":"b2","properties":{"products":[]}}]}"#, key: key)

        var spec = BasketSpec()
        spec.minSupport = 0.004
        spec.minConfidence = 0.05
        spec.limit = 10_000
        let report = try await engine.basketReport(workspaceId: ws.id, spec)

        // The reference: the line items of every purchase on the live profiles' timelines.
        var baskets: [Set<String>] = []
        for id in await engine.projector.liveProfiles(workspaceId: ws.id) {
            let page = try await engine.timeline(id, workspaceId: ws.id, before: nil, limit: 1_000_000)
            for e in page.events where e.stored.name == "Order Completed" {
                var items = Set<String>()
                for line in e.message["properties"]?["products"]?.arrayValue ?? [] {
                    if let s = line["product_id"]?.stringValue { items.insert(s) }
                    if case .number(let x)? = line["product_id"] { items.insert(String(Int(x))) }
                }
                if !items.isEmpty { baskets.append(items) }
            }
        }
        #expect(report.orders == baskets.count)
        #expect(baskets.contains(["7"]))
        func count(_ items: [Int]) -> Int {
            let ids = Set(items.map(report.id))
            return baskets.filter { ids.isSubset(of: $0) }.count
        }
        #expect(!report.itemsets.isEmpty && !report.rules.isEmpty)
        for s in report.itemsets {
            #expect(s.items.count >= 2 && s.count == count(s.items) && s.count >= report.minCount)
        }
        // Every frequent pair is reported.
        var pairs: [[String]: Int] = [:]
        for b in baskets {
            let sorted = b.sorted()
            for i in sorted.indices { for j in sorted.indices where j > i { pairs[[sorted[i], sorted[j]], default: 0] += 1 } }
        }
        let reportedPairs = Set(report.itemsets.filter { $0.items.count == 2 }.map { $0.items.map(report.id).sorted() })
        #expect(reportedPairs == Set(pairs.filter { $0.value >= report.minCount }.keys))
        let n = Double(baskets.count)
        for r in report.rules {
            let both = count(r.antecedent + r.consequent), a = count(r.antecedent), c = count(r.consequent)
            #expect(r.count == both)
            #expect(abs(r.support - Double(both) / n) < 1e-12)
            #expect(abs(r.confidence - Double(both) / Double(a)) < 1e-12)
            #expect(abs(r.lift - (Double(both) / Double(a)) / (Double(c) / n)) < 1e-9)
            #expect(r.confidence >= spec.minConfidence)
        }
        #expect(report.rules.contains { $0.lift > 1.5 }, "the demo's baskets have products bought together")
        #expect(report.names[report.id(report.rules[0].consequent[0])]?.isEmpty == false)
        // Bad specifications say what is wrong.
        var bad = BasketSpec()
        bad.minSupport = 0
        await #expect(throws: RapportError.self) { try await engine.basketReport(workspaceId: ws.id, bad) }
    }
}
