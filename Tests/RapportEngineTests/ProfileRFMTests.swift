import Foundation
import RapportAudience
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

/// RFM per profile: the projector's scores equal `RFM.compute` over the
/// purchases read back from the log, conditions read them, they follow a
/// new purchase at the next tick, and they come back after a restart.
@Suite struct ProfileRFMTests {
    static let now = AudienceProjectionTests.now

    /// Every live profile's purchases as the log holds them, scored as of today.
    static func reference(_ engine: Engine, _ ws: WorkspaceID, model: RFMModel) async throws -> [ProfileID: ProfileRFM] {
        var purchases = RFM.Purchases()
        for id in await engine.projector.liveProfiles(workspaceId: ws) {
            let timeline = try await engine.timeline(id, workspaceId: ws, before: nil, limit: 100_000)
            for e in timeline.events where e.stored.name == model.purchaseEvent && e.stored.sourceId != RapportSource.id {
                var amount = e.message["properties"]
                for key in model.amountPath { amount = amount?[key] }
                let x: Double = switch amount {
                case .number(let d)?: d
                case .string(let s)?: Double(s) ?? 0
                default: 0
                }
                purchases.append(customer: id.rawValue, day: Int(e.stored.timestamp.floorDiv(86_400_000)),
                                 cents: Int64((x * 100).rounded()))
            }
        }
        let table = RFM.compute(purchases, asOfDay: Int(Self.now.floorDiv(86_400_000)))
        var out: [ProfileID: ProfileRFM] = [:]
        for i in 0..<table.count {
            let r = table.row(at: i)
            out[ProfileID(r.customer)] = ProfileRFM(recencyDays: r.recencyDays, frequency: r.frequency,
                                                    monetary: Double(r.monetaryCents) / 100, r: r.r, f: r.f, m: r.m,
                                                    group: r.group)
        }
        return out
    }

    static func scores(_ engine: Engine, _ ws: WorkspaceID) async -> [ProfileID: ProfileRFM] {
        var out: [ProfileID: ProfileRFM] = [:]
        for id in await engine.projector.liveProfiles(workspaceId: ws) {
            if let v = await engine.projector.rfm(of: id, workspaceId: ws) { out[id] = v }
        }
        return out
    }

    @Test func scoresEqualTheReferenceOverTheLogAndConditionsReadThem() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        for body in AudienceProjectionTests.demoBodies(customers: 150, seed: 41) { try await engine.send(body, key: key) }
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "champions", body: #"rfm.group = "Champions""#)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "recent_big",
                                        body: "rfm.r >= 4 and rfm.m = 5")
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "champions") == [], "no model, no RFM")
        let model = try await engine.saveRFM(workspaceId: ws.id, model: RFMModel())
        #expect(model == RFMModel(purchaseEvent: "Order Completed", amountProperty: "revenue"))

        let expected = try await Self.reference(engine, ws.id, model: model)
        #expect(expected.count > 50)
        #expect(await Self.scores(engine, ws.id) == expected)
        let champions = expected.filter { $0.value.group == .champions }.map(\.key).sorted()
        #expect(!champions.isEmpty)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "champions") == champions)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "recent_big")
            == expected.filter { $0.value.r >= 4 && $0.value.m == 5 }.map(\.key).sorted())
        let overview = try #require(await engine.projector.rfmOverview(workspaceId: ws.id))
        #expect(overview.scored == expected.count && overview.cells.map(\.customers).reduce(0, +) == expected.count)
        #expect(overview.groups.first { $0.group == .champions }?.customers == champions.count)
        let someone = try #require(champions.first)
        #expect(try #require(await engine.projector.profile(someone, workspaceId: ws.id)).rfm?.group == .champions)

        // A customer who never bought buys a lot: at the next tick their scores and segments follow.
        var candidate: ProfileID?
        for id in await engine.projector.liveProfiles(workspaceId: ws.id) where expected[id] == nil {
            if await engine.projector.profile(id, workspaceId: ws.id)?.identifiers.contains(where: { $0.identifier.kind == "user_id" }) == true {
                candidate = id
                break
            }
        }
        let buyer = try #require(candidate)
        let user = try #require(await engine.projector.profile(buyer, workspaceId: ws.id)?.identifiers
            .first { $0.identifier.kind == "user_id" }?.identifier.value)
        var orders: [String] = []
        for d in 0..<12 {
            let t = Timestamp.formatISO8601(Self.now - Int64(d) * 86_400_000 - 60_000)
            orders.append(#"{"type":"track","event":"Order Completed","userId":"\#(user)","messageId":"rfm-\#(d)","timestamp":"\#(t)","properties":{"revenue":"9999.50"}}"#)
        }
        try await engine.send(#"{"batch":[\#(orders.joined(separator: ","))]}"#, key: key)
        #expect(await engine.projector.rfm(of: buyer, workspaceId: ws.id) == nil, "scores change at the tick")
        await engine.projector.refreshTimeDependentAudiences()
        let after = try await Self.reference(engine, ws.id, model: model)
        #expect(await Self.scores(engine, ws.id) == after)
        #expect(after[buyer]?.group == .champions && after[buyer]?.frequency == 12)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "champions")?.contains(buyer) == true)

        // After a restart the scores are worked out again from the log.
        try await engine.projector.flush()
        let again = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: FixedClock(millis: Self.now))
        try await again.projector.load()
        try await again.projector.catchUp()
        try await again.projector.applyStoredDefinitionsIfChanged()
        #expect(await Self.scores(again, ws.id) == after)
        #expect(await again.projector.segmentMembers(workspaceId: ws.id, segment: "champions")?.contains(buyer) == true)

        // Refused models; removing the model removes the scores.
        await #expect(throws: RapportError.self) {
            try await again.saveRFM(workspaceId: ws.id, model: RFMModel(purchaseEvent: "", amountProperty: "revenue"))
        }
        await #expect(throws: RapportError.self) {
            try await again.saveRFM(workspaceId: ws.id, model: RFMModel(purchaseEvent: "x", amountProperty: "a..b"))
        }
        try await again.deleteRFM(workspaceId: ws.id)
        #expect(await Self.scores(again, ws.id).isEmpty)
        #expect(await again.projector.segmentMembers(workspaceId: ws.id, segment: "champions") == [])
    }
}

extension Int64 {
    func floorDiv(_ d: Int64) -> Int64 {
        let (q, r) = quotientAndRemainder(dividingBy: d)
        return r < 0 ? q - 1 : q
    }
}
