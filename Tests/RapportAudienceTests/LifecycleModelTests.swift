import RapportCore
import Testing

@testable import RapportAudience

/// The lifecycle model as segments: stages exclusive in priority order,
/// `stage` tests read as memberships, explanations of why a condition holds.
@Suite struct LifecycleModelTests {
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_709_251_200_000

    static func orders(_ daysAgo: [Int64]) -> [SubjectEvent] {
        daysAgo.map { SubjectEvent(name: "Order Completed", time: now - $0 * day, properties: ["revenue": .number(10)]) }
    }

    /// Evaluates the model's segments in order for one subject, as `Audience` does.
    static func stage(_ history: [SubjectEvent], known: Bool = true) throws -> String? {
        let segments = LifecycleStages.segments(try LifecycleModel.standard().parsed())
        var subject = TestSubject(traits: ["known": .bool(known)], history: history)
        var found: [String] = []
        for s in segments where s.condition.matches(subject, now: now) {
            subject.segments.insert(s.name)
            found.append(try #require(LifecycleStages.stage(ofSegment: s.name)))
        }
        #expect(found.count <= 1, "stages are exclusive: \(found)")
        return found.first
    }

    @Test func theDefaultStagesFollowThePurchaseHistory() throws {
        #expect(try Self.stage([]) == "potential")
        #expect(try Self.stage([], known: false) == nil)
        #expect(try Self.stage(Self.orders([3])) == "new")
        #expect(try Self.stage(Self.orders([20, 3])) == "active", "first purchase 20 days ago: no longer new")
        #expect(try Self.stage(Self.orders([200, 150, 100, 60, 5])) == "loyal")
        #expect(try Self.stage(Self.orders([200, 150, 100, 60, 45])) == "at_risk", "many purchases, none recent")
        #expect(try Self.stage(Self.orders([45])) == "at_risk")
        #expect(try Self.stage(Self.orders([91])) == "churned")
        #expect(try Self.stage(Self.orders([300, 10])) == "won_back")
        #expect(try Self.stage(Self.orders([300, 100, 10])) == "active", "a purchase 100 days ago: not back from churn")
        // Purchases of other events do not count.
        let views = [SubjectEvent(name: "Product Viewed", time: Self.now - Self.day, properties: [:])]
        #expect(try Self.stage(views) == "potential")
    }

    @Test func stageTestsReadTheStagesSegments() throws {
        let names = ["new", "at_risk", "churned"]
        func resolved(_ text: String) throws -> Condition { try Condition.parse(text).resolvingStage(names) }
        let seg = { (s: String) in Condition.segment(LifecycleStages.segmentName(s)) }
        #expect(try resolved(#"stage = "at_risk""#) == seg("at_risk"))
        #expect(try resolved(#"stage in ("at_risk", "churned", "nope")"#) == .any([seg("at_risk"), seg("churned")]))
        #expect(try resolved(#"stage = "nope""#) == .constant(false))
        #expect(try resolved(#"stage starts with "ch""#) == seg("churned"))
        #expect(try resolved("stage exists") == .any(names.map(seg)))
        #expect(try resolved("stage missing") == .not(.any(names.map(seg))))
        #expect(try resolved(#"stage != "new""#) == .any([seg("at_risk"), seg("churned"), .not(.any(names.map(seg)))]))
        // Inside an event's where, `stage` is the event's property.
        let inWhere = try Condition.parse(#"did "Survey" where stage = "x""#)
        #expect(inWhere.resolvingStage(names) == inWhere)
        #expect(try Condition.parse("city = 1").resolvingStage(names) == (try Condition.parse("city = 1")))
    }

    @Test func badModelsAreRefusedWithTheStageNamed() throws {
        var m = LifecycleModel.standard()
        m.stages[2].condition = "count \"Order Completed\" >="
        let e = #expect(throws: ConditionError.self) { try m.parsed() }
        #expect(e?.message.hasPrefix("stage \"loyal\":") == true)
        #expect(e?.line == 1 && e?.column ?? 0 > 0)
        m = .standard()
        m.stages[1].name = m.stages[0].name
        #expect((#expect(throws: ConditionError.self) { try m.parsed() })?.code == .duplicateName)
        m = .standard()
        m.stages[0].name = "won back"
        #expect((#expect(throws: ConditionError.self) { try m.parsed() })?.code == .invalidModel)
        m = LifecycleModel(stages: [])
        #expect((#expect(throws: ConditionError.self) { try m.parsed() })?.code == .invalidModel)
        var p = LifecycleModel.Parameters()
        p.churnDays = 10
        #expect(p.problem != nil)
        p = .init()
        p.purchaseEvent = "支付成功"
        #expect(p.problem == nil)
        let custom = LifecycleModel.standard(p)
        let stages = try custom.parsed()
        #expect(stages.allSatisfy { $0.condition.description.contains("支付成功") })
    }

    @Test func explanationsGiveTheDecidingTestsWithTheProfilesValues() throws {
        let subject = TestSubject(traits: ["city": .string("上海")], history: Self.orders([100, 45]))
        let c = try Condition.parse(#"city = "上海" and count "Order Completed" >= 2 and last "Order Completed" before 30 days ago"#)
        let lines = c.explain(subject, now: Self.now)
        #expect(lines.map(\.value) == ["上海", "2", "2024-01-16, 45 days ago"])
        #expect(lines.allSatisfy { $0.holds })
        #expect(ConditionExplanation.summary(lines).contains(#"last "Order Completed" before 30 days ago (2024-01-16, 45 days ago)"#))
        // Failing: only the tests that fail; `or` that holds: the first part that holds.
        let failing = try Condition.parse(#"city = "北京" and count "Order Completed" >= 2"#).explain(subject, now: Self.now)
        #expect(failing == [ConditionExplanation(condition: #"city = "北京""#, value: "上海", holds: false)])
        let either = try Condition.parse(#"city = "北京" or did "Order Completed" within 50 days"#).explain(subject, now: Self.now)
        #expect(either == [ConditionExplanation(condition: #"did "Order Completed" within 50 days"#, value: "1", holds: true)])
        let missing = try Condition.parse("age > 3").explain(subject, now: Self.now)
        #expect(missing == [ConditionExplanation(condition: "age > 3", value: "none", holds: false)])
        let stage = Condition.not(.segment(LifecycleStages.segmentName("new"))).explain(subject, now: Self.now)
        #expect(stage.first?.condition == #"not stage = "new""# && stage.first?.holds == true)
    }
}
