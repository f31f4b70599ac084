import Foundation
import RapportAudience
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

/// Lifecycle stages: the default model puts each history in its stage and
/// says why; changes become `Lifecycle Stage Changed` events with the stage
/// before, entering at risk a `Churn Warning`; conditions read `stage`; a
/// restart announces nothing twice; removing the model empties the stages.
@Suite struct LifecycleTests {
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_780_000_000_000

    /// One customer per stage (user id = the stage expected), plus an anonymous visitor.
    static func histories() -> String {
        var messages: [String] = []
        func order(_ user: String, daysAgo: Int64, revenue: Int) {
            let t = Timestamp.formatISO8601(now - daysAgo * day)
            messages.append(#"{"type":"track","event":"Order Completed","userId":"\#(user)","messageId":"\#(user)-\#(daysAgo)","timestamp":"\#(t)","properties":{"revenue":\#(revenue)}}"#)
        }
        messages.append(#"{"type":"identify","userId":"potential","messageId":"potential-id","timestamp":"\#(Timestamp.formatISO8601(now - 40 * day))","traits":{"email":"p@example.com"}}"#)
        messages.append(#"{"type":"page","anonymousId":"visitor-1","messageId":"visitor-page","timestamp":"\#(Timestamp.formatISO8601(now - 2 * day))"}"#)
        order("new", daysAgo: 3, revenue: 20)
        for d: Int64 in [200, 150, 100, 60, 30, 5] { order("loyal", daysAgo: d, revenue: 50) }
        order("active", daysAgo: 60, revenue: 30)
        order("active", daysAgo: 10, revenue: 30)
        order("at_risk", daysAgo: 100, revenue: 10)
        order("at_risk", daysAgo: 45, revenue: 10)
        order("churned", daysAgo: 200, revenue: 10)
        order("won_back", daysAgo: 300, revenue: 10)
        order("won_back", daysAgo: 10, revenue: 10)
        return #"{"batch":[\#(messages.joined(separator: ","))]}"#
    }

    static let users = ["new", "loyal", "active", "at_risk", "churned", "won_back", "potential"]

    static func stages(_ engine: Engine, _ ws: WorkspaceID) async throws -> [String: String?] {
        var out: [String: String?] = [:]
        for u in users {
            let p = try await engine.profile("user_id:\(u)")
            out[u] = await engine.projector.stage(of: p.id, workspaceId: ws)?.name
        }
        return out
    }

    /// The lifecycle events in the log, in order: (user id's profile, previous stage, stage, transition).
    static func stageEvents(_ store: any RapportStore) async throws -> [(ProfileID, String?, String?, Int)] {
        try await SegmentEventTests.ownEvents(store).filter { $0.name == LifecycleEvent.changed }.map { e in
            let props = try #require(try JSONValue.parse(e.body)["properties"])
            guard case .number(let id)? = props["profile_id"], case .number(let n)? = props["transition"] else {
                throw RapportError(.invalidArgument, "a lifecycle event without profile_id or transition")
            }
            func stage(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
            return (ProfileID(Int64(id)), stage(props["previous_stage"]), stage(props["stage"]), Int(n))
        }
    }

    @Test func theDefaultModelPutsEachHistoryInItsStageAndMovesItAsTimePasses() async throws {
        let dir = temporaryDirectory()
        let clock = MovableClock(millis: Self.now)
        let engine = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: clock)
        let (ws, creds) = try await engine.setUp(workspaceName: "test")
        let key = try #require(creds?.writeKeys["web"])
        try await engine.projector.load()
        try await engine.send(Self.histories(), key: key)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "lapsed",
                                        body: #"stage in ("at_risk", "churned")"#)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "unstaged", body: "stage missing")
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "lapsed")?.isEmpty == true,
                "no model, no stages")
        let model = try await engine.saveStandardLifecycle(workspaceId: ws.id)
        #expect(model.warningStage == "at_risk")
        #expect(try await engine.lifecycleModel(workspaceId: ws.id) == model)

        var expected: [String: String?] = [:]
        for u in Self.users { expected[u] = u }
        #expect(try await Self.stages(engine, ws.id) == expected)
        let visitor = try await engine.profile("anonymous_id:visitor-1")
        #expect(await engine.projector.stage(of: visitor.id, workspaceId: ws.id) == nil)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "unstaged") == [visitor.id])
        let atRisk = try await engine.profile("user_id:at_risk"), churned = try await engine.profile("user_id:churned")
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "lapsed") == [atRisk.id, churned.id].sorted())

        // Why: the tests that hold, with the profile's values.
        let stage = try #require(atRisk.stage)
        #expect(stage.name == "at_risk" && stage.description.contains("30 to 90 days"))
        #expect(stage.reason.map(\.condition) == [#"last "Order Completed" before 30 days ago"#,
                                                  #"last "Order Completed" after 90 days ago"#])
        #expect(stage.reason.allSatisfy { $0.holds && $0.value?.hasSuffix("45 days ago") == true })
        #expect(stage.since == Self.now)
        #expect(try await engine.profile("user_id:new").stage?.reason.first?.value?.hasSuffix("3 days ago") == true)

        // Announced: one change from no stage per staged profile, a churn warning for at risk.
        await engine.projection.publishSegmentEvents()
        let first = try await Self.stageEvents(engine.store)
        #expect(first.count == Self.users.count)
        #expect(first.allSatisfy { $0.1 == nil && $0.3 == 1 })
        let own = try await SegmentEventTests.ownEvents(engine.store)
        let warnings = own.filter { $0.name == LifecycleEvent.churnWarning }
        #expect(warnings.count == 1)
        let warning = try JSONValue.parse(try #require(warnings.first).body)
        #expect(warning["properties"]?["profile_id"] == .number(Double(atRisk.id.rawValue)))
        #expect(warning["properties"]?["reason"]?.stringValue?.contains("45 days ago") == true)
        #expect(try await engine.profile("user_id:at_risk").stage?.since == Self.now)
        #expect(!own.contains { $0.name == SegmentEvent.entered && String(decoding: $0.body, as: UTF8.self).contains("stage:") },
                "stage segments announce no segment events")

        // 24 days on: new becomes active; active and won back become at risk (with warnings).
        clock.millis = Self.now + 24 * Self.day
        await engine.projector.refreshTimeDependentAudiences()
        await engine.projection.publishSegmentEvents()
        expected["new"] = "active"
        expected["active"] = "at_risk"
        expected["won_back"] = "at_risk"
        #expect(try await Self.stages(engine, ws.id) == expected)
        let moves = try await Self.stageEvents(engine.store).dropFirst(first.count)
        let activeId = try await engine.profile("user_id:active").id
        #expect(moves.contains { $0.0 == activeId && $0.1 == "active" && $0.2 == "at_risk" && $0.3 == 2 })
        #expect(moves.count == 3)
        #expect(try await SegmentEventTests.ownEvents(engine.store).filter { $0.name == LifecycleEvent.churnWarning }.count == 3)
        let overview = try #require(await engine.projector.lifecycleOverview(workspaceId: ws.id, days: 30))
        #expect(overview.stages.map(\.name) == model.stages.map(\.name))
        #expect(overview.stages.map(\.size) == [0, 0, 1, 1, 3, 1, 1])
        #expect(overview.unstaged == 1)
        #expect(overview.flows.contains { $0.flow == StageFlows.Flow(from: "new", to: "active") && $0.count == 1 })
        #expect(overview.flows.map(\.count).reduce(0, +) == first.count + moves.count)
        let history = await engine.projector.stageHistory(workspaceId: ws.id, stage: "at_risk", lastDays: 30, hourly: false)
        #expect(history.last?.size == 3 && history.last?.entered == 2)

        // A second process from the log: it knows what was announced and announces nothing again.
        try await engine.projector.flush()
        let again = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: clock)
        try await again.projector.load()
        try await again.projector.catchUp()
        try await again.projector.applyStoredDefinitionsIfChanged()
        #expect(try await Self.stages(again, ws.id) == expected)
        #expect(await again.projector.takeSegmentEvents().isEmpty)
        #expect(try await again.profile("user_id:active").stage?.since == Self.now + 24 * Self.day)

        // Without the model, everyone leaves their stage through the log.
        try await again.deleteLifecycle(workspaceId: ws.id)
        await again.projection.publishSegmentEvents()
        #expect(try await Self.stages(again, ws.id).values.allSatisfy { $0 == nil })
        let last = try await Self.stageEvents(again.store).suffix(Self.users.count)
        #expect(last.allSatisfy { $0.2 == nil && $0.1 != nil })
        #expect(await again.projector.segmentMembers(workspaceId: ws.id, segment: "unstaged")?.count == Self.users.count + 1)
    }

    @Test func badModelsAreRefusedAndChangeNothing() async throws {
        let (engine, _, ws) = try await makeEngine(now: Self.now)
        var model = LifecycleModel.standard()
        model.stages[1].condition = "first \"Order Completed\" after"
        await #expect(throws: ConditionError.self) { try await engine.saveLifecycle(workspaceId: ws.id, model: model) }
        model = .standard()
        model.warningStage = "nope"
        await #expect(throws: ConditionError.self) { try await engine.saveLifecycle(workspaceId: ws.id, model: model) }
        model = .standard()
        model.stages[0].condition = #"in segment "missing""#
        await #expect(throws: ConditionError.self) { try await engine.saveLifecycle(workspaceId: ws.id, model: model) }
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "risky", body: #"stage = "at_risk""#)
        model = .standard()
        model.stages[0].condition = #"in segment "risky""#
        let cycle = await #expect(throws: ConditionError.self) { try await engine.saveLifecycle(workspaceId: ws.id, model: model) }
        #expect(cycle?.code == .cycle)
        var parameters = LifecycleModel.Parameters()
        parameters.activeDays = 120
        await #expect(throws: RapportError.self) { try await engine.saveStandardLifecycle(workspaceId: ws.id, parameters: parameters) }
        await #expect(throws: RapportError.self) {
            try await engine.saveDefinition(workspaceId: ws.id, kind: .lifecycle, name: "model", body: #"{"stages": 3}"#)
        }
        #expect(try await engine.lifecycleModel(workspaceId: ws.id) == nil)
        #expect(await engine.projector.lifecycleModel(workspaceId: ws.id) == nil)
    }
}
