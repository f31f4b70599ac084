import Foundation
import RapportAudience
import RapportCore
import RapportDemo
import RapportInsights
import RapportStore
import Testing

@testable import RapportEngine

/// CLV per profile in a workspace: the projector's figures equal BG/NBD and Gamma-Gamma fitted to the purchases
/// read back from the log, conditions read them, and they go with the RFM model.
@Suite struct ProfileCLVTests {
    static let now = AudienceProjectionTests.now

    @Test func figuresEqualTheModelsOverTheLogAndConditionsReadThem() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        // A year of history: the churn model trains on the customers of 180 days ago.
        for b in demoBatches(DemoConfig(customers: 800, days: 365, seed: 43)) { try await engine.send(b.body, key: key) }
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "slipping", body: "clv.p_alive < 0.5")
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "slipping") == [], "no model, no CLV")
        let model = try await engine.saveRFM(workspaceId: ws.id, model: RFMModel())

        // The reference: the purchases of every live profile as the log holds them, fitted here.
        var purchases = RFM.Purchases()
        for id in await engine.projector.liveProfiles(workspaceId: ws.id) {
            let timeline = try await engine.timeline(id, workspaceId: ws.id, before: nil, limit: 100_000)
            for e in timeline.events where e.stored.name == model.purchaseEvent && e.stored.sourceId != RapportSource.id {
                let x: Double = switch e.message["properties"]?["revenue"] {
                case .number(let d)?: d
                case .string(let s)?: Double(s) ?? 0
                default: 0
                }
                purchases.append(customer: id.rawValue, day: Int(e.stored.timestamp.floorDiv(86_400_000)),
                                 cents: Int64((x * 100).rounded()))
            }
        }
        let (fit, expected) = try ProfileCLV.compute(purchases, today: Int(Self.now.floorDiv(86_400_000)))
        #expect(expected.count > 50)
        #expect(await engine.projector.clvModel(workspaceId: ws.id) == fit)
        for (id, want) in expected {
            let got = try #require(await engine.projector.clv(of: id, workspaceId: ws.id))
            #expect(got == want)
        }
        // Figures that say something: some likely gone, some likely still buying; values positive.
        #expect(expected.values.contains { $0.probabilityAlive < 0.5 } && expected.values.contains { $0.probabilityAlive > 0.9 })
        #expect(expected.values.allSatisfy { $0.value >= 0 && $0.expectedSpend > 0 })
        let slipping = expected.filter { $0.value.probabilityAlive < 0.5 }.map(\.key).sorted()
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "slipping") == slipping)
        let someone = try #require(slipping.first)
        let view = try #require(await engine.projector.profile(someone, workspaceId: ws.id))
        #expect(view.clv == expected[someone])

        // The churn model is trained on the same history; conditions read each profile's risk.
        let churn = try #require(await engine.projector.churnModel(workspaceId: ws.id))
        #expect(churn.holdoutAUC > 0.5 && churn.holdoutAUC <= 1 && churn.trainedOn >= 50)
        var risks: [ProfileID: Double] = [:]
        for id in await engine.projector.liveProfiles(workspaceId: ws.id) {
            if let r = await engine.projector.churnRisk(of: id, workspaceId: ws.id) { risks[id] = r }
        }
        #expect(risks.count == expected.count && risks.values.allSatisfy { $0 > 0 && $0 < 1 })
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "at_risk_model", body: "churn.risk > 0.5")
        let atRisk = risks.filter { ($0.value * 10_000).rounded() / 10_000 > 0.5 }.map(\.key).sorted()
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "at_risk_model") == atRisk)
        #expect(try #require(await engine.projector.profile(someone, workspaceId: ws.id)).churnRisk == risks[someone])

        // Without the RFM model there are no purchases to fit: the figures go, and the segment empties.
        try await engine.deleteRFM(workspaceId: ws.id)
        #expect(await engine.projector.clv(of: someone, workspaceId: ws.id) == nil)
        #expect(await engine.projector.churnRisk(of: someone, workspaceId: ws.id) == nil)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "slipping") == [])
    }
}
