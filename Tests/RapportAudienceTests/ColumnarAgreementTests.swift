import RapportCore
import Testing

@testable import RapportAudience

/// The columnar evaluator (every profile at once, the scheduler's tick)
/// against the reference evaluator (profile by profile, as events arrive):
/// random histories — out-of-order times, merged profiles, numbers as text,
/// nulls, huge values — and random conditions over every kind of test must
/// give the same members and the same computed values.
@Suite struct ColumnarAgreementTests {
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_709_251_200_000

    typealias Random = SplitMix

    static let names = ["Order Completed", "Product Viewed", "App Opened", "Refund"]

    static func value(_ r: inout Random) -> JSONValue? {
        switch Int.random(in: 0..<10, using: &r) {
        case 0: return nil
        case 1: return .null
        case 2: return .string(r.pick(["12.5", " 7 ", "abc", "1e3", "上海"]))
        case 3: return .number(r.pick([1e308, -1e308, 0, -0.0]))
        case 4: return .bool(r.chance(0.5))
        default: return .number(Double(Int.random(in: 0..<40, using: &r)) / 4)
        }
    }

    /// Events over `profiles`, times scattered around `now` and often out of
    /// log order; or (`ordered`) logged as they happen over 70 days, with a
    /// few arriving late, as a live workspace sees them.
    static func history(_ r: inout Random, profiles: [ProfileID], events: Int, ordered: Bool = false) -> AudienceIndex {
        var index = AudienceIndex(paths: [.properties(["revenue"]), .properties(["category"]), .properties(["sku"]),
                                          .context(["channel"])])
        for e in 0..<events {
            var properties: [String: JSONValue] = [:]
            if let v = value(&r) { properties["revenue"] = v }
            if r.chance(0.8) { properties["category"] = .string(r.pick(["书", "服饰", "toys"])) }
            if r.chance(0.1) { properties["category"] = .null }
            // Many values: distinct counts and most frequent values past their bits and tallies.
            if r.chance(0.6) { properties["sku"] = .number(Double(Int.random(in: 0..<150, using: &r))) }
            let context: JSONValue = r.chance(0.7) ? ["channel": .string(r.pick(["app", "web"]))] : [:]
            var time = now - Int64.random(in: -2 * day...(70 * day), using: &r)
            if ordered {
                time = now - 70 * day + Int64(e) * (72 * day) / Int64(events)
                if r.chance(0.03) { time -= Int64.random(in: 0...(20 * day), using: &r) }
            }
            index.append(profile: r.pick(profiles), name: r.pick(names), time: time,
                         properties: .object(properties), context: context)
        }
        return index
    }

    static func filter(_ r: inout Random) -> EventFilter {
        let name: String? = r.chance(0.85) ? r.pick(names) : nil
        guard r.chance(0.45) else { return EventFilter(name: name) }
        let tests: [Condition] = [
            .attribute(path: ["revenue"], test: .compare(r.pick(ValueTest.Comparison.allCases), .number(Double(Int.random(in: 0..<10, using: &r))))),
            .attribute(path: ["category"], test: .isIn([.string("书"), .string("toys")])),
            .attribute(path: ["properties", "category"], test: .missing),
            .attribute(path: ["context", "channel"], test: .compare(.equal, .string("app"))),
            .attribute(path: ["event"], test: .startsWith("Order")),
            .attribute(path: ["revenue"], test: .exists),
            .tag("vip"),
        ]
        var c = r.pick(tests)
        if r.chance(0.3) { c = .not(c) }
        if r.chance(0.3) { c = .any([c, r.pick(tests)]) }
        return EventFilter(name: name, where: c)
    }

    static func window(_ r: inout Random) -> Window? {
        switch Int.random(in: 0..<5, using: &r) {
        case 0: return .last(TimeSpan(Int64.random(in: 1...40, using: &r), .days))
        case 1: return .after(.ago(20, .days))
        case 2: return .between(.ago(50, .days), .ago(10, .days))
        case 3: return .before(.absolute(now - 30 * day))
        default: return nil
        }
    }

    static func aggregate(_ r: inout Random) -> EventTest.Aggregate {
        r.pick([.count, .count, .sum(["revenue"]), .average(["revenue"]), .minimum(["revenue"]), .maximum(["revenue"]),
                .distinct(["category"]), .distinct(["event"]), .distinct(["sku"]), .firstTime, .lastTime])
    }

    static func test(for a: EventTest.Aggregate, _ r: inout Random) -> ValueTest {
        switch a {
        case .firstTime, .lastTime:
            return r.pick([.before(.ago(15, .days)), .after(.ago(40, .days)), .exists, .missing])
        default:
            let n = Double(Int.random(in: 0..<6, using: &r))
            return r.pick([.compare(r.pick(ValueTest.Comparison.allCases), .number(n)), .exists, .missing,
                           .between(.number(1), .number(5)), .compare(.greater, .string("2"))])
        }
    }

    static func condition(_ r: inout Random, depth: Int, earlier: [String], traits: [String]) -> Condition {
        if depth > 0, r.chance(0.35) {
            let parts = (0..<Int.random(in: 1...3, using: &r)).map { _ in condition(&r, depth: depth - 1, earlier: earlier, traits: traits) }
            switch Int.random(in: 0..<3, using: &r) {
            case 0: return .all(parts)
            case 1: return .any(parts)
            default: return .not(parts[0])
            }
        }
        switch Int.random(in: 0..<12, using: &r) {
        case 0: return .attribute(path: ["city"], test: r.pick([.compare(.equal, .string("上海")), .exists, .missing, .isIn([.string("北京"), .string("上海")])]))
        case 1: return .attribute(path: ["age"], test: .compare(r.pick(ValueTest.Comparison.allCases), .number(30)))
        case 2: return .attribute(path: ["first_seen"], test: r.pick([.before(.ago(30, .days)), .after(.ago(60, .days))]))
        case 3: return .tag(r.pick(["vip", "staff"]))
        case 4 where !earlier.isEmpty: return .segment(r.pick(earlier))
        case 5 where !traits.isEmpty:
            let t = r.pick(traits)
            return .attribute(path: [t], test: r.pick([.compare(.greater, .number(2)), .exists, .missing,
                                                       .compare(.equal, .string("书")), .after(.ago(20, .days))]))
        case 6:
            return .sequence(SequenceTest(first: filter(&r), second: filter(&r), absent: r.chance(0.5),
                                          gap: TimeSpan(Int64.random(in: 1...10, using: &r), .days), window: r.chance(0.5) ? window(&r) : nil))
        case 7: return .constant(r.chance(0.5))
        default:
            let a = aggregate(&r)
            return .events(EventTest(a, of: filter(&r), window: window(&r), test: test(for: a, &r)))
        }
    }

    static let traitTexts: [(String, String)] = [
        ("spent", #"sum revenue of "Order Completed""#),
        ("orders_20d", #"count "Order Completed" within 20 days"#),
        ("aov", #"avg revenue of any event where revenue > 1"#),
        ("smallest", #"min revenue of "Refund""#),
        ("biggest", #"max revenue of any event"#),
        ("categories", #"distinct category of "Product Viewed""#),
        ("kinds", "distinct event of any event within 30 days"),
        ("favourite", #"most frequent category of "Product Viewed""#),
        ("first_channel", "first value context.channel of any event"),
        ("last_category", #"last value category of any event where context.channel = "app""#),
        ("first_order", #"first "Order Completed""#),
        ("last_seen_app", #"last "App Opened" within 25 days"#),
        ("city", #"most frequent revenue of "Refund""#),
        ("skus", "distinct sku of any event"),
        ("favourite_sku", #"most frequent sku of "Order Completed""#),
    ]

    /// Profiles (some with merged members), their traits and tags.
    static func profiles(_ r: inout Random, count: Int) -> [AudienceProfile] {
        (1...count).map { i in
            let id = ProfileID(Int64(i))
            var members = [id]
            if i % 7 == 0 { members.append(ProfileID(Int64(1000 + i))) }
            var traits: [String: JSONValue] = [:]
            if r.chance(0.7) { traits["city"] = .string(r.pick(["上海", "北京", "Shenzhen"])) }
            if r.chance(0.8) { traits["age"] = r.chance(0.8) ? .number(Double(Int.random(in: 18..<60, using: &r))) : .string("42") }
            var tags: Set<String> = []
            if r.chance(0.3) { tags.insert("vip") }
            if r.chance(0.2) { tags.insert("staff") }
            let firstSeen = now - Int64.random(in: 0...(90 * day), using: &r)
            return AudienceProfile(id: id, members: members, traits: traits, tags: tags,
                                   attributes: ["first_seen": .string(Timestamp.formatISO8601(firstSeen))])
        }
    }

    @Test(arguments: 0..<12)
    func columnarAgreesWithTheReference(seed: UInt64) throws {
        try agree(seed: seed, profiles: 60, events: 900, ordered: false)
    }

    /// Long histories in (mostly) time order: several blocks per event name,
    /// so figures with windows start past the blocks before the window.
    @Test(arguments: 0..<3)
    func columnarAgreesOverLongHistoriesInTimeOrder(seed: UInt64) throws {
        try agree(seed: 100 + seed, profiles: 40, events: 12_000, ordered: true)
    }

    @Test func aWindowSkipsTheBlocksBeforeIt() {
        var r = Random(seed: 5)
        let index = Self.history(&r, profiles: [ProfileID(1), ProfileID(2)], events: 12_000, ordered: true)
        let table = index.tables[0]
        let start = Self.now - 10 * Self.day
        let from = table.firstOrdinal(notBefore: start)
        #expect(from > 0 && from < table.count)
        #expect(from % NameTable.blockSize == 0)
        // Nothing before is as late; the block it starts has something that is.
        #expect(table.times[..<from].allSatisfy { $0 < start })
        #expect(table.times[from...].contains { $0 >= start })
        #expect(table.firstOrdinal(notBefore: .min) == 0)
        #expect(table.firstOrdinal(notBefore: .max) == table.count)
    }

    func agree(seed: UInt64, profiles count: Int, events: Int, ordered: Bool) throws {
        var r = Random(seed: 0xA0D1_E7CE + seed)
        let views = Self.profiles(&r, count: count)
        let ids = views.flatMap(\.members)
        var traits = try Self.traitTexts.map { try ComputedTrait(name: $0.0, text: $0.1) }
        traits.removeLast(Int.random(in: 0...3, using: &r))
        var segments: [SegmentDefinition] = []
        for k in 0..<14 {
            let c = Self.condition(&r, depth: 3, earlier: segments.map(\.name), traits: traits.map(\.name))
            segments.append(SegmentDefinition(name: "s\(k)", condition: c))
        }
        var audience = Audience()
        try audience.define(segments: segments, traits: traits)
        audience.index = Self.history(&r, profiles: ids, events: events, ordered: ordered)

        for now in [Self.now, Self.now + 9 * Self.day] {
            // The reference: profile by profile.
            var byProfile = audience
            for v in views { _ = byProfile.refresh(v, now: now) }
            // The columnar evaluation over what the profiles left in the table.
            var columnar = byProfile
            let changes = columnar.reevaluate(now: now)
            #expect(changes.isEmpty, "seed \(seed): \(changes.prefix(3)) — \(segments.first { $0.name == changes.first?.segment }.map { ConditionText.render($0.condition) } ?? "")")
            for v in views {
                #expect(columnar.computed(of: v.id) == byProfile.computed(of: v.id), "seed \(seed), profile \(v.id)")
                #expect(columnar.segments(of: v.id) == byProfile.segments(of: v.id))
            }
            // From scratch with every profile given at once.
            var fresh = audience
            let entered = fresh.refresh(all: views, now: now)
            for s in segments {
                #expect(fresh.members(of: s.name) == byProfile.members(of: s.name), "seed \(seed), \(s.name)")
                #expect(entered.filter { $0.segment == s.name && $0.entered }.count == byProfile.size(of: s.name))
            }
        }
        // The segments say something: not all empty, not all everyone.
        var probe = audience
        _ = probe.refresh(all: views, now: Self.now)
        let sizes = segments.compactMap { probe.size(of: $0.name) }
        #expect(sizes.contains { $0 > 0 && $0 < views.count }, "sizes \(sizes)")
    }

    /// One audience living through ticks: between them events arrive (for
    /// known and new profiles), profiles merge, leave, and the index is
    /// rebuilt; each tick's columnar evaluation (owners kept from the tick
    /// before, ``OwnerColumns``) agrees with the reference.
    @Test(arguments: 0..<4)
    func ticksAgreeWhileEventsArriveAndProfilesMergeAndLeave(seed: UInt64) throws {
        var r = Random(seed: 0x71C4 + seed)
        var views = Self.profiles(&r, count: 50)
        let traits = try Self.traitTexts.map { try ComputedTrait(name: $0.0, text: $0.1) }
        var segments: [SegmentDefinition] = []
        for k in 0..<12 {
            let c = Self.condition(&r, depth: 2, earlier: segments.map(\.name), traits: traits.map(\.name))
            segments.append(SegmentDefinition(name: "s\(k)", condition: c))
        }
        var live = Audience()
        try live.define(segments: segments, traits: traits)
        var logged: [(ProfileID, String, Int64, JSONValue, JSONValue)] = []
        func arrive(_ count: Int, _ r: inout Random) {
            let ids = views.flatMap(\.members)
            for e in 0..<count {
                var properties: [String: JSONValue] = [:]
                if let v = Self.value(&r) { properties["revenue"] = v }
                if r.chance(0.8) { properties["category"] = .string(r.pick(["书", "服饰", "toys"])) }
                properties["sku"] = .number(Double(Int.random(in: 0..<150, using: &r)))
                let event = (r.pick(ids), r.pick(Self.names), Self.now - 60 * Self.day + Int64(logged.count + e) * 3_600_000,
                             JSONValue.object(properties), JSONValue.object(["channel": .string(r.pick(["app", "web"]))]))
                live.index.append(profile: event.0, name: event.1, time: event.2, properties: event.3, context: event.4)
                logged.append(event)
            }
        }
        arrive(600, &r)
        var now = Self.now
        _ = live.refresh(all: views, now: now)
        for round in 0..<5 {
            now += Self.day
            // New customers, and events for everyone.
            for i in 0..<4 {
                let id = ProfileID(Int64(5000 + round * 10 + i))
                views.append(AudienceProfile(id: id, members: [id], traits: ["city": .string("上海")]))
            }
            arrive(300, &r)
            // Two profiles merge: the one kept takes the other's events, the other leaves.
            if views.count > 3 {
                let gone = views.remove(at: Int.random(in: 1..<views.count, using: &r))
                let k = Int.random(in: 0..<views.count, using: &r)
                views[k].members += gone.members
                _ = live.remove(gone.id)
            }
            // One leaves for good.
            if round % 2 == 1 { _ = live.remove(views.removeLast().id) }
            // Rebuilt once from the log: owners are worked out afresh for the new index.
            if round == 3 {
                var rebuilt = live.index.emptied()
                for e in logged { rebuilt.append(profile: e.0, name: e.1, time: e.2, properties: e.3, context: e.4) }
                live.index = rebuilt
            }
            // The engine refreshes the profiles events touched: here, every one.
            for v in views { _ = live.refresh(v, now: now) }
            var reference = live
            _ = live.reevaluate(now: now + 3_600_000)
            for v in views { _ = reference.refresh(v, now: now + 3_600_000) }
            for v in views {
                #expect(live.segments(of: v.id) == reference.segments(of: v.id), "seed \(seed), round \(round), profile \(v.id)")
                #expect(live.computed(of: v.id) == reference.computed(of: v.id), "seed \(seed), round \(round), profile \(v.id)")
            }
        }
    }

    @Test func timePassingMovesProfilesOutOfWindowsAndRemovedProfilesLeave() throws {
        let a = ProfileID(1), b = ProfileID(2)
        var audience = Audience()
        try audience.define(segments: [
            SegmentDefinition(name: "recent", condition: try Condition.parse(#"did "Order Completed" within 7 days"#)),
            SegmentDefinition(name: "lapsed", condition: try Condition.parse(#"did "Order Completed" and not in segment "recent""#)),
        ], traits: [try ComputedTrait(name: "orders_7d", text: #"count "Order Completed" within 7 days"#)])
        audience.index.append(profile: a, name: "Order Completed", time: Self.now - 2 * Self.day, properties: nil, context: nil)
        audience.index.append(profile: b, name: "Order Completed", time: Self.now - 6 * Self.day, properties: nil, context: nil)
        let views = [AudienceProfile(id: a, members: [a], traits: [:]), AudienceProfile(id: b, members: [b], traits: [:])]
        #expect(audience.refresh(all: views, now: Self.now).count == 2)
        #expect(audience.members(of: "recent") == [a, b])
        #expect(audience.computed(of: b) == ["orders_7d": .number(1)])
        // Two days on, b's order is older than a week.
        let moved = audience.reevaluate(now: Self.now + 2 * Self.day)
        #expect(Set(moved) == [MembershipChange(segment: "recent", profile: b, entered: false),
                               MembershipChange(segment: "lapsed", profile: b, entered: true)])
        #expect(audience.computed(of: b) == ["orders_7d": .number(0)])
        // Nothing more changes at the same moment.
        #expect(audience.reevaluate(now: Self.now + 2 * Self.day).isEmpty)
        // b merged away: it leaves, and a full refresh without it agrees.
        #expect(audience.refresh(all: [views[0]], now: Self.now + 2 * Self.day)
            == [MembershipChange(segment: "lapsed", profile: b, entered: false)])
        #expect(audience.members(of: "lapsed") == [])
        #expect(audience.computed(of: b).isEmpty)
    }
}

extension SplitMix {
    mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &self)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// Definitions evaluated as of a past moment (``Audience/stagesAsOf(_:stages:)``) against the reference over
/// an index holding only the events before that moment: random histories (out of order, merged profiles) and
/// random conditions, sequences and sums included.
@Suite struct AsOfAgreementTests {
    typealias C = ColumnarAgreementTests

    @Test(arguments: 0..<6)
    func stagesAsOfAgreeWithTheReferenceOverEarlierEvents(seed: UInt64) throws {
        var r = SplitMix(seed: 0xA50F + seed)
        let views = C.profiles(&r, count: 50)
        let ids = views.flatMap(\.members)
        let traits = try C.traitTexts.prefix(6).map { try ComputedTrait(name: $0.0, text: $0.1) }
        let stages = (0..<6).map { "s\($0)" }
        var segments: [SegmentDefinition] = []
        for s in stages {
            let c = C.condition(&r, depth: 2, earlier: segments.map(\.name), traits: traits.map(\.name))
            segments.append(SegmentDefinition(name: LifecycleStages.segmentName(s), condition: c))
        }
        var events: [(ProfileID, String, Int64, JSONValue, JSONValue)] = []
        for _ in 0..<700 {
            var properties: [String: JSONValue] = [:]
            if let v = C.value(&r) { properties["revenue"] = v }
            if r.chance(0.8) { properties["category"] = .string(r.pick(["书", "服饰", "toys"])) }
            let context: JSONValue = r.chance(0.7) ? ["channel": .string(r.pick(["app", "web"]))] : [:]
            events.append((r.pick(ids), r.pick(C.names), C.now - Int64.random(in: -2 * C.day...(70 * C.day), using: &r),
                           .object(properties), context))
        }
        func index(before t: Int64) -> AudienceIndex {
            var index = AudienceIndex(paths: [.properties(["revenue"]), .properties(["category"]), .context(["channel"])])
            for e in events where e.2 < t { index.append(profile: e.0, name: e.1, time: e.2, properties: e.3, context: e.4) }
            return index
        }
        var audience = Audience()
        try audience.define(segments: segments, traits: traits)
        audience.index = index(before: .max)
        _ = audience.refresh(all: views, now: C.now)
        let moments = [C.now - 40 * C.day, C.now - 12 * C.day, C.now - 3 * C.day, C.now]
        let got = audience.stagesAsOf(moments, stages: stages)
        var differing = 0
        for (i, moment) in moments.enumerated() {
            var past = Audience()
            try past.define(segments: segments, traits: traits)
            past.index = index(before: moment)
            _ = past.refresh(all: views, now: moment)
            for v in views {
                let seen = events.contains { v.members.contains($0.0) && $0.2 < moment }
                let want = seen ? past.segments(of: v.id).lazy.compactMap { LifecycleStages.stage(ofSegment: $0) }
                    .first.flatMap { stages.firstIndex(of: $0) } ?? -1 : -1
                let pos = try #require(audience.position(of: v.id))
                #expect(Int(got[i][pos]) == want, "seed \(seed), moment \(i), profile \(v.id)")
                if i < moments.count - 1, got[i][pos] != got[moments.count - 1][pos] { differing += 1 }
            }
        }
        // The past differs from now for some profiles: the moments matter.
        #expect(differing > 0)
    }
}
