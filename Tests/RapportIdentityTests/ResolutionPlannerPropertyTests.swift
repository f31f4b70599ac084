import RapportCore
import Testing

@testable import RapportIdentity

/// SplitMix64: a small seeded generator, so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ResolutionPlannerPropertyTests {
    static let tightRules = IdentityRules(
        kinds: [
            .init(kind: "user_id", maxPerProfile: 1), .init(kind: "email", maxPerProfile: 2),
            .init(kind: "phone", maxPerProfile: 1), .init(kind: "device_id", maxPerProfile: 2),
            .init(kind: "anonymous_id", maxPerProfile: 3),
        ],
        defaultMaxPerProfile: 1)

    /// Random messages over small identifier pools (so they collide often),
    /// planned and applied one after another, with operators occasionally
    /// separating two profiles.
    @Test(arguments: [("default", UInt64(1)), ("tight", UInt64(2)), ("default", UInt64(3)), ("tight", UInt64(4))])
    func randomGraphsKeepTheInvariants(rulesName: String, seed: UInt64) throws {
        let rules = rulesName == "tight" ? Self.tightRules : IdentityRules()
        let planner = ResolutionPlanner(rules: rules)
        let pools: [(kind: String, size: Int, chance: Double)] = [
            ("user_id", 6, 0.35), ("email", 6, 0.3), ("phone", 4, 0.2), ("wechat_openid", 3, 0.1),
            ("crm_id", 3, 0.1), ("device_id", 10, 0.5), ("anonymous_id", 14, 0.8),
        ]
        var rng = SeededGenerator(seed: seed)
        var merges = 0, warnings = 0
        for _ in 0..<80 {
            var graph = FakeIdentityGraph()
            for step in 0..<40 {
                var message: [Identifier] = []
                for pool in pools where Double.random(in: 0..<1, using: &rng) < pool.chance {
                    for _ in 0..<Int.random(in: 1...2, using: &rng) {
                        message.append(Identifier(kind: pool.kind, value: "\(pool.kind.prefix(1))\(Int.random(in: 0..<pool.size, using: &rng))"))
                    }
                }
                let previousId = Int.random(in: 0..<8, using: &rng) == 0
                    ? (Bool.random(using: &rng) ? "u\(Int.random(in: 0..<6, using: &rng))" : "a\(Int.random(in: 0..<14, using: &rng))")
                    : nil
                message.shuffle(using: &rng)

                let plan = planner.plan(identifiers: message, aliasPreviousId: previousId, lookup: graph)
                let before = graph
                let target = try graph.apply(plan)
                merges += plan.merges.count
                warnings += plan.warnings.count
                let context = "seed \(seed) step \(step) message \(message) previousId \(previousId ?? "-") plan \(plan)"

                // No canonical profile exceeds a limit.
                for p in graph.canonicalProfiles {
                    for (kind, n) in graph.identifierCounts(of: p) {
                        #expect(n <= rules.maxPerProfile(kind), "profile \(p) has \(n) \(kind); \(context)")
                    }
                }
                // Separated profiles stay separate.
                for (a, b) in graph.blockedPairs {
                    #expect(graph.canonical(a) != graph.canonical(b), "\(a) and \(b) were merged; \(context)")
                }
                // Every identifier of the message ends on the target or is warned about.
                var all = message
                var previous: Identifier?
                if let previousId {
                    let asUser = Identifier(kind: "user_id", value: previousId)
                    previous = before.owner(of: asUser) != nil ? asUser : Identifier(kind: "anonymous_id", value: previousId)
                    all.append(previous ?? asUser)
                }
                let warned = Set(plan.warnings.map(\.identifier))
                for identifier in all {
                    let onTarget = graph.owner(of: identifier).map(graph.canonical) == target
                    #expect(onTarget != warned.contains(identifier), "\(identifier): on target \(onTarget); \(context)")
                }
                // The highest-priority identifier is always kept, and the event owner is its owner.
                // (alias's previousId ranks after the message's own identifiers of its kind)
                var top = rules.prioritized(message).first
                if let previous, top.map({ rules.rank(of: previous.kind) < rules.rank(of: $0.kind) }) ?? true {
                    top = previous
                }
                if let top {
                    let owner = graph.owner(of: top)
                    #expect(owner.map(graph.canonical) == target, "top \(top) not on target; \(context)")
                    let eventOwner = plan.eventOwner == .new ? target : plan.eventOwner.profileID
                    #expect(eventOwner == owner, "event owner; \(context)")
                }
                // A warning never names an identifier the plan used.
                #expect(warned.isDisjoint(with: plan.attach + plan.merges.map(\.via)), "\(context)")

                // Now and then an operator separates two live profiles.
                let live = graph.canonicalProfiles
                if live.count >= 2, Int.random(in: 0..<10, using: &rng) == 0 {
                    let a = live[Int.random(in: 0..<live.count, using: &rng)]
                    let b = live[Int.random(in: 0..<live.count, using: &rng)]
                    if a != b { graph.blockedPairs.append((a, b)) }
                }
            }
        }
        // The scenarios must actually exercise merges and refusals.
        #expect(merges > 100)
        #expect(warnings > 100)
    }
}
