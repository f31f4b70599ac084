import RapportCore
import Testing

@testable import RapportIdentity

func id(_ text: String) -> Identifier {
    Identifier(parsing: text) ?? Identifier(kind: "invalid", value: text)
}

func ids(_ texts: String...) -> [Identifier] { texts.map(id) }

/// Counts how often the planner asks the expensive questions.
final class CountingLookup: IdentityGraphLookup {
    let graph: FakeIdentityGraph
    var countsCalls = 0
    var blockCalls = 0

    init(_ graph: FakeIdentityGraph) { self.graph = graph }

    func owner(of identifier: Identifier) -> ProfileID? { graph.owner(of: identifier) }
    func canonical(_ profile: ProfileID) -> ProfileID { graph.canonical(profile) }
    func identifierCounts(of canonical: ProfileID) -> [String: Int] {
        countsCalls += 1
        return graph.identifierCounts(of: canonical)
    }
    func isMergeBlocked(_ a: ProfileID, _ b: ProfileID) -> Bool {
        blockCalls += 1
        return graph.isMergeBlocked(a, b)
    }
}

@Suite struct ResolutionPlannerTests {
    let planner = ResolutionPlanner()

    @Test func unknownIdentifiersMakeANewProfile() {
        let graph = FakeIdentityGraph()
        let plan = planner.plan(identifiers: ids("anonymous_id:a1", "user_id:u1", "device_id:d1"), lookup: graph)
        #expect(plan.target == .new)
        #expect(plan.eventOwner == .new)
        #expect(plan.attach == ids("user_id:u1", "device_id:d1", "anonymous_id:a1"))
        #expect(plan.merges.isEmpty)
        #expect(plan.warnings.isEmpty)
        #expect(plan.changesGraph)
    }

    @Test func noIdentifiers() {
        let plan = planner.plan(identifiers: [], lookup: FakeIdentityGraph())
        #expect(plan == ResolutionPlan(target: .new, eventOwner: .new))
    }

    @Test func returningVisitorCostsNoCountsAndChangesNothing() {
        var graph = FakeIdentityGraph()
        let p = graph.profile("anonymous_id:a1", "device_id:d1", "user_id:u1")
        let lookup = CountingLookup(graph)
        let plan = planner.plan(identifiers: ids("user_id:u1", "device_id:d1", "anonymous_id:a1"), lookup: lookup)
        #expect(plan == ResolutionPlan(target: .existing(p), eventOwner: .existing(p)))
        #expect(!plan.changesGraph)
        #expect(lookup.countsCalls == 0)
        #expect(lookup.blockCalls == 0)
    }

    @Test func anonymousBecomesIdentified() {
        var graph = FakeIdentityGraph()
        let anon = graph.profile("anonymous_id:a1", "device_id:d1")
        let plan = planner.plan(identifiers: ids("user_id:u1", "anonymous_id:a1", "email:x@y.io"), lookup: graph)
        #expect(plan.target == .existing(anon))
        #expect(plan.eventOwner == .existing(anon))  // user_id:u1 is newly attached to the target
        #expect(plan.attach == ids("user_id:u1", "email:x@y.io"))
        #expect(plan.merges.isEmpty)
        #expect(plan.warnings.isEmpty)
    }

    @Test func anonymousProfileOfAnotherUserStaysApart() {
        // A second person logs in on a shared device: the anonymous profile already has a user_id.
        var graph = FakeIdentityGraph()
        graph.profile("anonymous_id:a1", "user_id:alice")
        let plan = planner.plan(identifiers: ids("user_id:bob", "anonymous_id:a1"), lookup: graph)
        #expect(plan.target == .new)
        #expect(plan.eventOwner == .new)
        #expect(plan.attach == ids("user_id:bob"))
        #expect(plan.warnings.map(\.code) == [.mergeWouldExceedLimit])
        #expect(plan.warnings.first?.identifier == id("anonymous_id:a1"))
    }

    @Test func sharedEmailMergesTwoDevices() {
        var graph = FakeIdentityGraph()
        let phone = graph.profile("anonymous_id:a1", "email:x@y.io", "device_id:phone")
        let laptop = graph.profile("anonymous_id:a2", "device_id:laptop")
        let plan = planner.plan(identifiers: ids("email:x@y.io", "device_id:laptop", "anonymous_id:a2"), lookup: graph)
        #expect(plan.target == .existing(phone))
        #expect(plan.merges == [Merge(from: laptop, into: phone, via: id("device_id:laptop"))])
        #expect(plan.attach.isEmpty)
        #expect(plan.warnings.isEmpty)
        #expect(plan.eventOwner == .existing(phone))
    }

    @Test func severalIdentifiersOfOneProfileGiveOneMerge() {
        var graph = FakeIdentityGraph()
        let t = graph.profile("user_id:u1")
        let p = graph.profile("email:e@x.io", "device_id:d1", "anonymous_id:a1")
        let plan = planner.plan(identifiers: ids("user_id:u1", "email:e@x.io", "device_id:d1", "anonymous_id:a1"), lookup: graph)
        #expect(plan.merges == [Merge(from: p, into: t, via: id("email:e@x.io"))])
        #expect(plan.warnings.isEmpty)
    }

    @Test func eventOwnerIsTheDirectOwnerEvenWhenMergedAway() {
        var graph = FakeIdentityGraph()
        let live = graph.profile("email:e@x.io")
        let old = graph.profile("user_id:u1")
        graph.merge(old, into: live)
        let plan = planner.plan(identifiers: ids("user_id:u1", "email:e@x.io"), lookup: graph)
        #expect(plan.target == .existing(live))
        #expect(plan.eventOwner == .existing(old))
        #expect(plan.merges.isEmpty)
    }

    @Test func conflictingUserIdsDoNotMerge() throws {
        var graph = FakeIdentityGraph()
        let alice = graph.profile("user_id:alice", "email:shared@x.io")
        let bob = graph.profile("user_id:bob")
        let plan = planner.plan(identifiers: ids("user_id:bob", "email:shared@x.io"), lookup: graph)
        #expect(plan.target == .existing(bob))
        #expect(plan.merges.isEmpty)
        #expect(plan.attach.isEmpty)
        let warning = try #require(plan.warnings.first)
        #expect(plan.warnings.count == 1)
        #expect(warning.identifier == id("email:shared@x.io"))
        #expect(warning.code == .mergeWouldExceedLimit)
        #expect(warning.detail.contains("profile \(alice)"))
        #expect(warning.detail.contains("2 user_id (max 1)"))
    }

    @Test func conflictingUserIdWithNewUserKeepsTheUserId() {
        var graph = FakeIdentityGraph()
        graph.profile("user_id:alice", "email:shared@x.io")
        let plan = planner.plan(identifiers: ids("user_id:bob", "email:shared@x.io"), lookup: graph)
        #expect(plan.target == .new)
        #expect(plan.attach == ids("user_id:bob"))
        #expect(plan.warnings.map(\.identifier) == ids("email:shared@x.io"))
    }

    @Test func sixthDeviceIsLeftOut() throws {
        var graph = FakeIdentityGraph()
        let p = graph.profile("user_id:u", "device_id:d1", "device_id:d2", "device_id:d3", "device_id:d4", "device_id:d5")
        let plan = planner.plan(identifiers: ids("user_id:u", "device_id:d6"), lookup: graph)
        #expect(plan.target == .existing(p))
        #expect(plan.attach.isEmpty)
        let warning = try #require(plan.warnings.first)
        #expect(warning.identifier == id("device_id:d6"))
        #expect(warning.code == .limitExceeded)
        #expect(warning.detail == "profile \(p) already has 5 device_id (max 5)")
    }

    @Test func lastFreeSlotGoesToTheFirstIdentifier() {
        var graph = FakeIdentityGraph()
        graph.profile("user_id:u", "device_id:d1", "device_id:d2", "device_id:d3", "device_id:d4")
        let plan = planner.plan(identifiers: ids("device_id:d9", "user_id:u", "device_id:d8"), lookup: graph)
        #expect(plan.attach == ids("device_id:d8"))
        #expect(plan.warnings.map(\.identifier) == ids("device_id:d9"))
    }

    @Test func limitsApplyToNewProfilesToo() {
        let rules = IdentityRules(kinds: [.init(kind: "user_id", maxPerProfile: 1), .init(kind: "email", maxPerProfile: 2)])
        let plan = ResolutionPlanner(rules: rules).plan(
            identifiers: ids("email:a@x.io", "email:b@x.io", "email:c@x.io", "user_id:u"), lookup: FakeIdentityGraph())
        #expect(plan.attach == ids("user_id:u", "email:a@x.io", "email:b@x.io"))
        #expect(plan.warnings.map(\.code) == [.limitExceeded])
        #expect(plan.warnings.first?.detail == "the new profile already has 2 email (max 2)")
    }

    @Test func blockedPairIsNotMerged() throws {
        var graph = FakeIdentityGraph()
        let a = graph.profile("email:e@x.io")
        let b = graph.profile("anonymous_id:a1", "device_id:d1")
        graph.blockedPairs.append((a, b))
        let plan = planner.plan(identifiers: ids("email:e@x.io", "device_id:d1", "anonymous_id:a1"), lookup: graph)
        #expect(plan.target == .existing(a))
        #expect(plan.merges.isEmpty)
        // Every identifier of the refused profile is reported.
        #expect(plan.warnings.map(\.identifier) == ids("device_id:d1", "anonymous_id:a1"))
        #expect(plan.warnings.allSatisfy { $0.code == .mergeBlocked })
    }

    @Test func blockAgainstAProfileMergedEarlierInTheSameMessage() {
        var graph = FakeIdentityGraph()
        let t = graph.profile("user_id:u")
        let p1 = graph.profile("email:e@x.io")
        let p2 = graph.profile("device_id:d1")
        graph.blockedPairs.append((p1, p2))
        let plan = planner.plan(identifiers: ids("user_id:u", "email:e@x.io", "device_id:d1"), lookup: graph)
        #expect(plan.merges == [Merge(from: p1, into: t, via: id("email:e@x.io"))])
        #expect(plan.warnings.map(\.code) == [.mergeBlocked])
        #expect(plan.warnings.first?.detail == "an operator separated profile \(p2) and profile \(p1)")
    }

    @Test func blockRecordedAgainstAMergedAwayProfile() {
        var graph = FakeIdentityGraph()
        let t = graph.profile("user_id:u")
        let old = graph.profile("email:old@x.io")
        let p = graph.profile("device_id:d1")
        graph.blockedPairs.append((old, p))
        graph.merge(old, into: t)
        let plan = planner.plan(identifiers: ids("user_id:u", "device_id:d1"), lookup: graph)
        #expect(plan.merges.isEmpty)
        #expect(plan.warnings.map(\.code) == [.mergeBlocked])
    }

    @Test func aliasOfAnAnonymousProfile() {
        var graph = FakeIdentityGraph()
        let anon = graph.profile("anonymous_id:anon-9", "device_id:d1")
        let user = graph.profile("user_id:u2")
        let plan = planner.plan(identifiers: ids("user_id:u2"), aliasPreviousId: "anon-9", lookup: graph)
        #expect(plan.target == .existing(user))
        #expect(plan.merges == [Merge(from: anon, into: user, via: id("anonymous_id:anon-9"))])
        #expect(plan.warnings.isEmpty)
    }

    @Test func aliasOfAnUnknownIdAttachesItAsAnonymousId() {
        let plan = planner.plan(identifiers: ids("user_id:u2"), aliasPreviousId: "anon-9", lookup: FakeIdentityGraph())
        #expect(plan.target == .new)
        #expect(plan.attach == ids("user_id:u2", "anonymous_id:anon-9"))
    }

    @Test func aliasPreviousIdIsLookedUpAsUserIdFirst() {
        var graph = FakeIdentityGraph()
        let byUser = graph.profile("user_id:x")
        graph.profile("anonymous_id:x")
        // No userId in this alias (only an anonymousId): previousId x is found as user_id.
        let plan = planner.plan(identifiers: ids("anonymous_id:fresh"), aliasPreviousId: "x", lookup: graph)
        #expect(plan.target == .existing(byUser))
        #expect(plan.attach == ids("anonymous_id:fresh"))
    }

    @Test(arguments: ["aaa-old", "zzz-old"])
    func aliasFromAnOldUserIdKeepsTheNewUserId(oldUserId: String) {
        // Two user_ids cannot share a profile; the message's userId wins whatever the values' order.
        var graph = FakeIdentityGraph()
        graph.profile("user_id:\(oldUserId)")
        let plan = planner.plan(identifiers: ids("user_id:mmm-new"), aliasPreviousId: oldUserId, lookup: graph)
        #expect(plan.target == .new)
        #expect(plan.attach == ids("user_id:mmm-new"))
        #expect(plan.warnings.map(\.identifier) == [id("user_id:\(oldUserId)")])
        #expect(plan.warnings.map(\.code) == [.mergeWouldExceedLimit])
    }

    @Test func aliasPreviousIdEqualToUserIdIsOneIdentifier() {
        var graph = FakeIdentityGraph()
        let p = graph.profile("user_id:u")
        let plan = planner.plan(identifiers: ids("user_id:u"), aliasPreviousId: "u", lookup: graph)
        #expect(plan == ResolutionPlan(target: .existing(p), eventOwner: .existing(p)))
    }

    @Test func mergeExceedsLimitOnlyAfterAnEarlierMerge() throws {
        var graph = FakeIdentityGraph()
        let t = graph.profile("user_id:u", "device_id:d1", "device_id:d2", "device_id:d3")
        let p1 = graph.profile("email:e@x.io", "device_id:d4", "device_id:d5")
        let p2 = graph.profile("phone:+8613800138000", "device_id:d6")

        // Alone, either merges.
        #expect(planner.plan(identifiers: ids("user_id:u", "phone:+8613800138000"), lookup: graph).merges
            == [Merge(from: p2, into: t, via: id("phone:+8613800138000"))])

        let plan = planner.plan(identifiers: ids("user_id:u", "email:e@x.io", "phone:+8613800138000"), lookup: graph)
        #expect(plan.merges == [Merge(from: p1, into: t, via: id("email:e@x.io"))])
        let warning = try #require(plan.warnings.first)
        #expect(plan.warnings.count == 1)
        #expect(warning.identifier == id("phone:+8613800138000"))
        #expect(warning.code == .mergeWouldExceedLimit)
        #expect(warning.detail.contains("6 device_id (max 5)"))
    }

    @Test func attachmentsCountTowardsLaterMerges() {
        var graph = FakeIdentityGraph()
        graph.profile("user_id:u", "device_id:d1", "device_id:d2", "device_id:d3", "device_id:d4")
        graph.profile("email:e@x.io", "device_id:d5")
        // email ranks above device_id, so the merge takes the last device slot and the new d0 is left out.
        let plan = planner.plan(identifiers: ids("user_id:u", "email:e@x.io", "device_id:d0"), lookup: graph)
        #expect(plan.merges.count == 1)
        #expect(plan.warnings.map(\.identifier) == ids("device_id:d0"))
        #expect(plan.warnings.map(\.code) == [.limitExceeded])

        // With a higher-ranked new identifier of a kind P also holds, the attachment blocks the merge.
        let rules = IdentityRules(kinds: [
            .init(kind: "user_id", maxPerProfile: 1), .init(kind: "phone", maxPerProfile: 1),
            .init(kind: "email", maxPerProfile: 5),
        ])
        var g2 = FakeIdentityGraph()
        g2.profile("user_id:u")
        g2.profile("phone:+8613900139000", "email:e@x.io")
        let plan2 = ResolutionPlanner(rules: rules).plan(
            identifiers: ids("user_id:u", "phone:+8613800138000", "email:e@x.io"), lookup: g2)
        #expect(plan2.attach == ids("phone:+8613800138000"))
        #expect(plan2.merges.isEmpty)
        #expect(plan2.warnings.map(\.code) == [.mergeWouldExceedLimit])
    }

    @Test func newTargetAdoptsTheFirstCompatibleProfile() {
        var graph = FakeIdentityGraph()
        let taken = graph.profile("user_id:other", "email:e1@x.io")
        let anon = graph.profile("anonymous_id:a1")
        let plan = planner.plan(identifiers: ids("user_id:u", "email:e1@x.io", "anonymous_id:a1", "device_id:new"), lookup: graph)
        #expect(plan.target == .existing(anon))
        #expect(plan.eventOwner == .existing(anon))
        #expect(plan.attach == ids("user_id:u", "device_id:new"))
        #expect(plan.merges.isEmpty)
        #expect(plan.warnings.map(\.identifier) == ids("email:e1@x.io"))
        #expect(plan.warnings.first?.detail.contains("profile \(taken) cannot join the new profile") == true)
    }

    @Test func profileAlreadyOverALimitCanStillAbsorbOthers() {
        var graph = FakeIdentityGraph()
        let t = graph.profile("user_id:u", "device_id:d1", "device_id:d2", "device_id:d3")
        let p = graph.profile("email:e@x.io")
        let rules = IdentityRules(kinds: [.init(kind: "user_id", maxPerProfile: 1), .init(kind: "device_id", maxPerProfile: 2)])
        let plan = ResolutionPlanner(rules: rules).plan(identifiers: ids("user_id:u", "email:e@x.io", "device_id:d4"), lookup: graph)
        #expect(plan.merges == [Merge(from: p, into: t, via: id("email:e@x.io"))])
        #expect(plan.warnings.map(\.identifier) == ids("device_id:d4"))

        // Only kinds both sides hold are checked: an over-full profile with no user_id joins one with a user_id.
        var g2 = FakeIdentityGraph()
        let u = g2.profile("user_id:u")
        let devices = g2.profile("anonymous_id:a", "device_id:d1", "device_id:d2", "device_id:d3")
        let plan2 = ResolutionPlanner(rules: rules).plan(identifiers: ids("user_id:u", "anonymous_id:a"), lookup: g2)
        #expect(plan2.merges == [Merge(from: devices, into: u, via: id("anonymous_id:a"))])
    }

    @Test func plannerSortsUnsortedInput() {
        var graph = FakeIdentityGraph()
        let anon = graph.profile("anonymous_id:a")
        let user = graph.profile("user_id:u")
        let plan = planner.plan(identifiers: ids("anonymous_id:a", "user_id:u"), lookup: graph)
        #expect(plan.target == .existing(user))
        #expect(plan.merges == [Merge(from: anon, into: user, via: id("anonymous_id:a"))])
    }

    @Test func planFromExtractedMessage() {
        var graph = FakeIdentityGraph()
        let anon = graph.profile("anonymous_id:a1")
        let extracted = IdentifierExtractor().extract(
            from: makeMessage(.identify, userId: "u1", anonymousId: "a1", traits: ["email": .string("X@Y.io")]))
        let plan = planner.plan(extracted, lookup: graph)
        #expect(plan.target == .existing(anon))
        #expect(plan.attach == ids("user_id:u1", "email:x@y.io"))
    }
}
