import RapportCore
import Testing

@testable import RapportAudience

@Suite struct AudienceTests {
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_709_251_200_000
    let a = ProfileID(1), b = ProfileID(2), c = ProfileID(3)

    @Test func eventsComeOldestFirstAndInLogOrderAtOneTime() {
        var index = AudienceIndex(paths: [.properties(["n"])])
        index.append(profile: a, name: "X", time: 30, properties: ["n": .number(1)], context: nil)
        index.append(profile: b, name: "X", time: 10, properties: ["n": .number(2)], context: nil)
        index.append(profile: a, name: "Y", time: 10, properties: ["n": .number(3)], context: nil)
        index.append(profile: a, name: "X", time: 10, properties: ["n": .number(4)], context: nil)
        index.append(profile: b, name: "X", time: 30, properties: ["n": .number(5)], context: nil)
        #expect(index.count == 5)
        let ns = { (events: [SubjectEvent]) in events.map { $0.properties["n"]?.doubleValue ?? -1 } }
        #expect(ns(index.events(of: [a], named: nil)) == [3, 4, 1])
        #expect(ns(index.events(of: [a], named: "X")) == [4, 1])
        // A profile and the one merged into it: one history, by time, then log order.
        #expect(ns(index.events(of: [a, b], named: "X")) == [2, 4, 1, 5])
        #expect(index.events(of: [c], named: nil).isEmpty)
        #expect(index.events(of: [a], named: "Z").isEmpty)
    }

    @Test func onlyRegisteredPathsAreKeptAndRebuilt() {
        var index = AudienceIndex()
        #expect(!index.readsBodies)
        let added = index.register([.context(["campaign"]), .context(["campaign", "source"]), .properties(["sku"])])
        #expect(added)
        #expect(!index.needsRebuild, "an empty index has nothing to rebuild")
        let context: JSONValue = ["campaign": ["source": "douyin", "medium": "cpc"], "ip": "1.2.3.4"]
        index.append(profile: a, name: "Viewed", time: 1, properties: ["sku": "S1", "price": .number(3)], context: context)
        let e = index.events(of: [a], named: "Viewed").first
        #expect(e?.properties == ["sku": "S1"], "price is not read by any definition")
        #expect(e?.context == ["campaign": ["source": "douyin", "medium": "cpc"]])
        let again = index.register([.properties(["sku"]), .name])
        #expect(!again, "known paths and the name add nothing")
        let price = index.register([.properties(["price"])])
        #expect(price)
        #expect(index.needsRebuild, "older events lack price")
        #expect(index.emptied().paths == index.paths)
    }

    @Test func refreshReportsEntriesAndExits() throws {
        var audience = Audience()
        try audience.define(segments: [
            SegmentDefinition(name: "buyers", condition: try Condition.parse(#"did "Order Completed""#)),
            SegmentDefinition(name: "big", condition: try Condition.parse(#"in segment "buyers" and spent > 100"#)),
        ], traits: [ComputedTrait(name: "spent", text: #"sum revenue of "Order Completed""#)])
        #expect(audience.index.paths == [.properties(["revenue"])])
        #expect(audience.segments.map(\.name) == ["buyers", "big"], "dependencies first")
        let view = AudienceProfile(id: a, members: [a], traits: [:])
        #expect(audience.refresh(view, now: Self.now).isEmpty)
        audience.index.append(profile: a, name: "Order Completed", time: Self.now - Self.day,
                              properties: ["revenue": .number(60)], context: nil)
        #expect(audience.refresh(view, now: Self.now) == [MembershipChange(segment: "buyers", profile: a, entered: true)])
        #expect(audience.computed(of: a) == ["spent": .number(60)])
        audience.index.append(profile: a, name: "Order Completed", time: Self.now,
                              properties: ["revenue": .number(60)], context: nil)
        #expect(audience.refresh(view, now: Self.now) == [MembershipChange(segment: "big", profile: a, entered: true)])
        #expect(audience.segments(of: a) == ["buyers", "big"])
        #expect(audience.matches(try Condition.parse(#"in segment "big" and spent = 120"#), view, now: Self.now))
        #expect(audience.remove(a) == [MembershipChange(segment: "buyers", profile: a, entered: false),
                                       MembershipChange(segment: "big", profile: a, entered: false)])
        #expect(audience.computed(of: a).isEmpty)

        // Redefined: a removed segment's members go; a trait's values stay until the next refresh.
        _ = audience.refresh(view, now: Self.now)
        try audience.define(segments: [SegmentDefinition(name: "buyers", condition: try Condition.parse(#"did "Order Completed""#))],
                            traits: [ComputedTrait(name: "spent", text: #"sum revenue of "Order Completed""#)])
        #expect(audience.segments.map(\.name) == ["buyers"])
        #expect(audience.members(of: "buyers") == [a])
        #expect(audience.members(of: "big") == nil)
    }

    @Test func badDefinitionsLeaveTheAudienceAsItWas() throws {
        var audience = Audience()
        try audience.define(segments: [SegmentDefinition(name: "x", condition: .constant(true))], traits: [])
        func code(_ segments: [SegmentDefinition], _ traits: [ComputedTrait] = []) -> ConditionError.Code? {
            do {
                try audience.define(segments: segments, traits: traits)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code([SegmentDefinition(name: "y", condition: .segment("nope"))]) == .unknownSegment)
        #expect(code([SegmentDefinition(name: "y", condition: .segment("y"))]) == .cycle)
        #expect(code([SegmentDefinition(name: "y", condition: .constant(true)),
                      SegmentDefinition(name: "y", condition: .constant(false))]) == .duplicateName)
        let t = try ComputedTrait(name: "t", text: #"count "A""#)
        #expect(code([], [t, t]) == .duplicateName)
        #expect(audience.segments.map(\.name) == ["x"])
    }
}
