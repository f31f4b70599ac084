import Foundation
import RapportAudience
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

/// Clusters in a workspace: the fit is k-means over every live profile's
/// figures read back from the log, each profile is in the cluster nearest
/// its figures, segments read `cluster` in both evaluators, a new customer
/// joins at once, and the clusters come back after a restart.
@Suite struct ClusterTests {
    static let now = AudienceProjectionTests.now

    static let model = ClusterModel(features: [.init("lifetime_revenue", transform: .log1p, missing: 0),
                                               .init("orders", transform: .log)],
                                    k: 3, restarts: 3, seed: 11)

    /// Each live profile's (revenue, orders) from its timeline, by ascending id.
    static func figures(_ engine: Engine, _ ws: WorkspaceID) async throws -> [(ProfileID, [Double])] {
        var out: [(ProfileID, [Double])] = []
        for id in await engine.projector.liveProfiles(workspaceId: ws) {
            var revenue = 0.0
            var orders = 0.0
            let timeline = try await engine.timeline(id, workspaceId: ws, before: nil, limit: 100_000)
            for e in timeline.events where e.stored.name == "Order Completed" && e.stored.sourceId != RapportSource.id {
                orders += 1
                switch e.message["properties"]?["revenue"] {
                case .number(let d)?: revenue += d
                case .string(let s)?: revenue += Double(s) ?? 0
                default: break
                }
            }
            out.append((id, [revenue, orders]))
        }
        return out
    }

    static func clusters(_ engine: Engine, _ ws: WorkspaceID) async -> [ProfileID: Int] {
        var out: [ProfileID: Int] = [:]
        for id in await engine.projector.liveProfiles(workspaceId: ws) {
            if let c = await engine.projector.cluster(of: id, workspaceId: ws) { out[id] = c }
        }
        return out
    }

    @Test func everyCustomerIsInTheClusterNearestTheirFiguresAndSegmentsReadIt() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        for body in AudienceProjectionTests.demoBodies(customers: 150, seed: 43) { try await engine.send(body, key: key) }
        try await engine.saveDefinition(workspaceId: ws.id, kind: .trait, name: "lifetime_revenue",
                                        body: #"sum revenue of "Order Completed""#)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .trait, name: "orders", body: #"count "Order Completed""#)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "cluster_one", body: "cluster = 1")
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "clustered", body: "cluster exists")
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "clustered") == [], "no model, no cluster")

        let saved = try await engine.saveClusters(workspaceId: ws.id, model: Self.model)
        let fit = try #require(saved.fit)
        // The fit is the model fitted on the figures the log gives, every live profile in id order.
        let figures = try await Self.figures(engine, ws.id)
        #expect(try Self.model.fitted(on: figures.map(\.1), at: fit.fittedAt) == saved)
        #expect(fit.profiles == figures.count && fit.sizes.reduce(0, +) == figures.count)
        #expect(try await engine.clusterModel(workspaceId: ws.id) == saved)

        var expected: [ProfileID: Int] = [:]
        for (id, f) in figures { expected[id] = saved.cluster(of: f) }
        #expect(Set(expected.values) == [1, 2, 3])
        #expect(await Self.clusters(engine, ws.id) == expected)
        let one = expected.filter { $0.value == 1 }.map(\.key).sorted()
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "cluster_one") == one)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "clustered")?.count == expected.count)
        let overview = try #require(await engine.projector.clusterOverview(workspaceId: ws.id))
        #expect(overview.clusters.map(\.size) == fit.sizes && overview.unassigned == 0)
        let someone = try #require(one.first)
        #expect(try #require(await engine.projector.profile(someone, workspaceId: ws.id)).cluster?.number == 1)

        // A new customer with a large order joins the nearest cluster at once, and segments follow.
        let t = Timestamp.formatISO8601(Self.now - 60_000)
        try await engine.send(#"{"batch":[{"type":"track","event":"Order Completed","userId":"cluster-newcomer","messageId":"c-1","timestamp":"\#(t)","properties":{"revenue":250000}}]}"#, key: key)
        let newcomer = try await engine.profile("user_id:cluster-newcomer").id
        let joined = try #require(saved.cluster(of: [250_000, 1]))
        #expect(await engine.projector.cluster(of: newcomer, workspaceId: ws.id) == joined)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "cluster_one")?.contains(newcomer) == (joined == 1))
        expected[newcomer] = joined

        // The columnar pass over every profile agrees with the per-event one.
        await engine.projector.refreshAllAudiences(workspaceId: ws.id)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "cluster_one")
            == expected.filter { $0.value == 1 }.map(\.key).sorted())

        // After a restart: the stored fit, the same clusters, no fitting again.
        try await engine.projector.flush()
        let again = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: FixedClock(millis: Self.now))
        try await again.projector.load()
        try await again.projector.catchUp()
        try await again.projector.applyStoredDefinitionsIfChanged()
        #expect(await again.projector.clusterModel(workspaceId: ws.id) == saved)
        #expect(await Self.clusters(again, ws.id) == expected)
        #expect(await again.projector.segmentMembers(workspaceId: ws.id, segment: "cluster_one")
            == expected.filter { $0.value == 1 }.map(\.key).sorted())

        // Names change no cluster; fitting again takes the newcomer into account.
        let named = try await again.nameClusters(workspaceId: ws.id, names: ["Browsers", " ", "Whales "])
        #expect(named.names == ["Browsers", "", "Whales"] && named.fit == saved.fit)
        #expect(try #require(await again.projector.profile(newcomer, workspaceId: ws.id)).cluster?.name == named.givenName(of: joined))
        let refitted = try await again.refitClusters(workspaceId: ws.id)
        #expect(refitted.names == named.names)
        let now = try await Self.figures(again, ws.id).map(\.1)
        #expect(try Self.model.fitted(on: now, at: Self.now).fit?.centroids == refitted.fit?.centroids)

        // Refused models change nothing; removing the model removes every cluster.
        var bad = Self.model
        bad.k = 1
        await #expect(throws: RapportError.self) { try await again.saveClusters(workspaceId: ws.id, model: bad) }
        let nobody = ClusterModel(features: [.init("traits.shoe_size")], k: 2)
        await #expect(throws: RapportError.self) { try await again.saveClusters(workspaceId: ws.id, model: nobody) }
        #expect(try await again.clusterModel(workspaceId: ws.id) == refitted)
        try await again.deleteClusters(workspaceId: ws.id)
        #expect(await Self.clusters(again, ws.id).isEmpty)
        #expect(await again.projector.segmentMembers(workspaceId: ws.id, segment: "clustered") == [])
        await #expect(throws: RapportError.self) { try await again.refitClusters(workspaceId: ws.id) }
    }

    @Test func clustersOnRFMFollowTheScoresAtTheTick() async throws {
        let (engine, key, ws) = try await makeEngine(now: Self.now)
        for body in AudienceProjectionTests.demoBodies(customers: 100, seed: 47) { try await engine.send(body, key: key) }
        await #expect(throws: RapportError.self, "no RFM yet: nobody has the figures") {
            try await engine.saveClusters(workspaceId: ws.id, model: .rfm)
        }
        try await engine.saveRFM(workspaceId: ws.id, model: RFMModel())
        let saved = try await engine.saveClusters(workspaceId: ws.id, model: .rfm)
        func expected() async -> [ProfileID: Int] {
            var out: [ProfileID: Int] = [:]
            for id in await engine.projector.liveProfiles(workspaceId: ws.id) {
                guard let r = await engine.projector.rfm(of: id, workspaceId: ws.id) else { continue }
                out[id] = saved.cluster(of: [Double(r.recencyDays), Double(r.frequency), r.monetary])
            }
            return out
        }
        let before = await expected()
        #expect(before.count > 30)
        #expect(await Self.clusters(engine, ws.id) == before)
        // Someone without a purchase buys: their RFM, and so their cluster, come at the next tick.
        var buyer: ProfileID?
        for id in await engine.projector.liveProfiles(workspaceId: ws.id) where before[id] == nil {
            if await engine.projector.profile(id, workspaceId: ws.id)?.identifiers.contains(where: { $0.identifier.kind == "user_id" }) == true {
                buyer = id
                break
            }
        }
        let id = try #require(buyer)
        let user = try #require(await engine.projector.profile(id, workspaceId: ws.id)?.identifiers
            .first { $0.identifier.kind == "user_id" }?.identifier.value)
        let t = Timestamp.formatISO8601(Self.now - 60_000)
        try await engine.send(#"{"batch":[{"type":"track","event":"Order Completed","userId":"\#(user)","messageId":"rfm-c","timestamp":"\#(t)","properties":{"revenue":80}}]}"#, key: key)
        #expect(await engine.projector.cluster(of: id, workspaceId: ws.id) == nil)
        await engine.projector.refreshTimeDependentAudiences()
        let after = await expected()
        #expect(after[id] != nil)
        #expect(await Self.clusters(engine, ws.id) == after)
    }
}
