import Foundation
import RapportAudience
import RapportCore
import RapportDemo
import RapportStore
import Testing

@testable import RapportEngine

/// Segments and computed traits kept by the projection, checked against the
/// reference evaluator over the log itself: for every live profile, its
/// events read back from the store with their whole bodies, its merged
/// traits, and every definition evaluated from scratch.
@Suite struct AudienceProjectionTests {
    static let end = DemoConfig(customers: 1, days: 1, seed: 1).endMillis
    static let now = end + 3_600_000

    static let traits: [(String, String)] = [
        ("lifetime_revenue", #"sum revenue of "Order Completed""#),
        ("orders_30d", #"count "Order Completed" within 30 days"#),
        ("aov", #"avg revenue of "Order Completed""#),
        ("favourite_category", #"most frequent category of "Product Viewed""#),
        ("first_campaign", "first value context.campaign.source of any event"),
        ("last_payment", #"last value payment_method of "Order Completed""#),
        ("products_viewed", #"distinct product_id of "Product Viewed""#),
        ("last_order", #"last "Order Completed""#),
    ]

    static let segments: [(String, String)] = [
        ("app_recent", #"did "Application Opened" within 30 days"#),
        ("two_orders", #"count "Order Completed" within 60 days >= 2"#),
        ("big_spenders", #"sum revenue of "Order Completed" > 800"#),
        ("wallets", #"count "Order Completed" where payment_method in ("alipay", "wechat_pay") >= 1"#),
        ("browsing_not_buying", #"did "Product Viewed" within 14 days and did not "Order Completed" within 30 days"#),
        ("cart_abandoners", #"did "Product Added" without "Order Completed" within 1 day within 45 days"#),
        ("viewed_then_bought", #"did "Product Viewed" then "Order Completed" within 2 days"#),
        ("shanghai", #"city = "上海""#),
        ("mini_program", #"did any event where context.library.name = "analytics-wechat-miniprogram""#),
        ("curious", #"distinct category of "Product Viewed" >= 3"#),
        ("ordered_lately", "last \"Order Completed\" after 20 days ago"),
        ("big_and_app", #"in segment "big_spenders" and in segment "app_recent""#),
        ("small_buyers", #"not in segment "big_spenders" and did "Order Completed""#),
        ("valuable_now", "lifetime_revenue >= 300 and orders_30d >= 1"),
        ("pricey_taste", #"avg price of "Product Viewed" where (currency = "CNY" and price > 0) > 300"#),
        ("old_timers", "first_seen before 40 days ago and traits.member_level exists"),
        ("apparel_fans", #"favourite_category = "服饰" or last_payment = "huabei""#),
    ]

    static func definitions() throws -> ([SegmentDefinition], [ComputedTrait]) {
        let segments = try segments.map { SegmentDefinition(name: $0.0, condition: try Condition.parse($0.1)) }
        let traits = try traits.map { try ComputedTrait(name: $0.0, text: $0.1) }
        return (segments, traits)
    }

    static func demoBodies(customers: Int = 120, seed: UInt64 = 5) -> [String] {
        demoBatches(DemoConfig(customers: customers, days: 90, seed: seed)).map(\.body)
    }

    /// The reference: every live profile's segments and computed values,
    /// evaluated over its events read from the log.
    static func reference(_ engine: Engine, workspaceId: WorkspaceID, now: Int64 = now) async throws
        -> [ProfileID: (segments: [String], computed: [String: JSONValue])]
    {
        let (segments, traits) = try definitions()
        let order = try SegmentReferences.evaluationOrder(
            Dictionary(uniqueKeysWithValues: segments.map { ($0.name, $0.condition) }))
        let byName = Dictionary(uniqueKeysWithValues: segments.map { ($0.name, $0.condition) })
        var out: [ProfileID: (segments: [String], computed: [String: JSONValue])] = [:]
        for id in await engine.projector.liveProfiles(workspaceId: workspaceId) {
            let view = try #require(await engine.projector.profile(id, workspaceId: workspaceId))
            let seqs = await engine.projector.timelineSeqs(id, workspaceId: workspaceId, before: nil, limit: .max)
            let stored = try await engine.store.events(at: seqs.sorted())
            #expect(stored.count == seqs.count)
            // Rapport's own events (segment entries and exits) are not for conditions.
            let events = try stored.filter { $0.sourceId != RapportSource.id }
                .sorted { ($0.timestamp, $0.seq) < ($1.timestamp, $1.seq) }.map { e in
                let body = try JSONValue.parse(e.body)
                return SubjectEvent(name: e.name, time: e.timestamp, properties: body["properties"] ?? .object([:]),
                                    context: body["context"] ?? .object([:]))
            }
            var subject = ReferenceSubject(traits: view.traits.mapValues(\.value), events: events)
            if view.aggregates.firstSeen != .max {
                subject.derived["first_seen"] = JSONValue.string(Timestamp.formatISO8601(view.aggregates.firstSeen))
                subject.derived["last_seen"] = JSONValue.string(Timestamp.formatISO8601(view.aggregates.lastSeen))
            }
            for t in traits {
                if let v = t.expression.value(for: subject, now: now) { subject.computed[t.name] = v }
            }
            var inside: [String] = []
            for name in order {
                let c = try #require(byName[name])
                if c.matches(subject, now: now) {
                    inside.append(name)
                    subject.segments.insert(name)
                }
            }
            out[id] = (inside, subject.computed)
        }
        return out
    }

    /// Compares the projection's audience with the reference for every live profile.
    static func expectMatchesReference(_ engine: Engine, workspaceId: WorkspaceID, minimumSizes: Bool = true,
                                       now: Int64 = now) async throws {
        let reference = try await reference(engine, workspaceId: workspaceId, now: now)
        #expect(reference.count > 100)
        var mismatches: [String] = []
        for (id, expected) in reference.sorted(by: { $0.key < $1.key }) {
            let got = await engine.projector.audienceFacts(of: id, workspaceId: workspaceId)
            if got.segments.sorted() != expected.segments.sorted() {
                mismatches.append("profile \(id): segments \(got.segments.sorted()) != \(expected.segments.sorted())")
            }
            if got.computed != expected.computed {
                mismatches.append("profile \(id): computed \(got.computed) != \(expected.computed)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).joined(separator: "\n"))")
        // Each segment means someone and not everyone, so the comparison says something.
        for (name, _) in segments {
            let size = await engine.projector.segmentMembers(workspaceId: workspaceId, segment: name)?.count ?? -1
            let expected = reference.values.filter { $0.segments.contains(name) }.count
            #expect(size == expected, "\(name)")
            if minimumSizes { #expect(size > 0 && size < reference.count, "segment \(name) has \(size) of \(reference.count)") }
        }
        for (name, _) in traits {
            let withValue = reference.values.filter { $0.computed[name] != nil }.count
            if minimumSizes { #expect(withValue > 0, "computed trait \(name) has no value for anyone") }
        }
    }

    @Test func segmentsDefinedFirstAreKeptCurrentAsEventsArrive() async throws {
        let (engine, key, ws) = try await makeEngine(now: Self.now)
        let (segments, traits) = try Self.definitions()
        try await engine.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        let bodies = Self.demoBodies()
        for body in bodies { try await engine.send(body, key: key) }
        try await Self.expectMatchesReference(engine, workspaceId: ws.id)
        let log = await engine.projector.membershipLog
        #expect(log.contains { $0.entered } && log.contains { !$0.entered }, "profiles both enter and leave segments")

        // Undo a merge: both profiles are evaluated again.
        let merges = await engine.projector.recentMerges(workspaceId: ws.id, limit: 50)
        let merge = try #require(merges.first { $0.undoneAt == nil })
        _ = try await engine.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "test", now: Self.now)
        try await Self.expectMatchesReference(engine, workspaceId: ws.id)
    }

    @Test func segmentsDefinedLaterAndAfterARestartAreRebuiltFromTheLog() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        for body in Self.demoBodies(seed: 9) { try await engine.send(body, key: key) }
        let (segments, traits) = try Self.definitions()
        try await engine.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        try await Self.expectMatchesReference(engine, workspaceId: ws.id)
        try await engine.projector.flush()

        // A reload in the same process (the lease taken back): the index is rebuilt with the paths it had.
        try await engine.projector.load()
        try await engine.projector.ensureAudienceIndex()
        try await Self.expectMatchesReference(engine, workspaceId: ws.id)

        // A new process: the flushed profiles, an empty index rebuilt from the log.
        let store = try SQLiteStore(directory: dir, durability: .normal)
        let again = Engine(store: store, clock: FixedClock(millis: Self.now))
        try await again.projector.load()
        try await again.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        try await Self.expectMatchesReference(again, workspaceId: ws.id)

    }

    @Test func theSchedulersTickMovesProfilesAsTimePasses() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        for body in Self.demoBodies(seed: 11) { try await engine.send(body, key: key) }
        try await engine.projector.flush()
        let clock = MovableClock(millis: Self.now)
        let running = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: clock)
        try await running.projector.load()
        let (segments, traits) = try Self.definitions()
        try await running.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        var sizes: [Int?] = []
        for s in segments { sizes.append(await running.projector.segmentSize(workspaceId: ws.id, segment: s.name)) }

        // Twelve days on: the tick re-evaluates every profile over columns.
        let later = Self.now + 12 * 86_400_000
        clock.millis = later
        await running.projector.refreshTimeDependentAudiences()
        try await Self.expectMatchesReference(running, workspaceId: ws.id, minimumSizes: false, now: later)
        var laterSizes: [Int?] = []
        for s in segments { laterSizes.append(await running.projector.segmentSize(workspaceId: ws.id, segment: s.name)) }
        #expect(sizes != laterSizes, "time moved some profiles")
        let log = await running.projector.membershipLog
        #expect(log.contains { $0.segment == "app_recent" && !$0.entered }, "recent app users lapse")
    }

    @Test func savedDefinitionsAreAppliedAtStartAndWhenAnotherProcessChangesThem() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        for body in Self.demoBodies(customers: 60, seed: 4) { try await engine.send(body, key: key) }
        try await engine.saveDefinition(workspaceId: ws.id, kind: .trait, name: "spent", body: #"sum revenue of "Order Completed""#)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "big", body: "spent > 500")
        let big = try #require(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "big"))
        #expect(!big.isEmpty)
        try await engine.projector.flush()

        // Another process (a server starting; then the CLI changing a definition).
        let other = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: FixedClock(millis: Self.now))
        try await other.projector.load()
        try await other.projector.applyStoredDefinitionsIfChanged()
        #expect(await other.projector.segmentMembers(workspaceId: ws.id, segment: "big") == big)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "big", body: "spent > 1000000")
        try await other.projector.applyStoredDefinitionsIfChanged()
        #expect(await other.projector.segmentMembers(workspaceId: ws.id, segment: "big") == [])
        try await engine.deleteDefinition(workspaceId: ws.id, kind: .segment, name: "big")
        try await other.projector.applyStoredDefinitionsIfChanged()
        #expect(await other.projector.segmentMembers(workspaceId: ws.id, segment: "big") == nil)
        #expect(await other.projector.audienceFacts(of: big[0], workspaceId: ws.id).computed["spent"] != nil)
    }

    @Test func aPreviewEqualsTheSegmentItWouldBe() async throws {
        let (engine, key, ws) = try await makeEngine(now: Self.now)
        for body in Self.demoBodies(customers: 80, seed: 3) { try await engine.send(body, key: key) }
        let condition = try Condition.parse(#"count "Order Completed" where payment_method = "alipay" >= 1"#)
        let preview = try await engine.projector.preview(condition, workspaceId: ws.id)
        try await engine.projector.define(
            workspaceId: ws.id, segments: [SegmentDefinition(name: "alipay", condition: condition)], traits: [])
        let members = try #require(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "alipay"))
        #expect(!preview.isEmpty)
        #expect(preview == members)
    }

    @Test func badDefinitionsChangeNothing() async throws {
        let (engine, _, ws) = try await makeEngine(now: Self.now)
        let a = SegmentDefinition(name: "a", condition: try Condition.parse(#"in segment "b""#))
        let b = SegmentDefinition(name: "b", condition: try Condition.parse(#"in segment "a""#))
        await #expect(throws: ConditionError.self) {
            try await engine.projector.define(workspaceId: ws.id, segments: [a, b], traits: [])
        }
        let twice = SegmentDefinition(name: "a", condition: .constant(true))
        await #expect(throws: ConditionError.self) {
            try await engine.projector.define(workspaceId: ws.id, segments: [twice, twice], traits: [])
        }
        #expect(await engine.projector.audience(workspaceId: ws.id)?.segments.isEmpty ?? true)
    }
}

/// A profile for the reference evaluation: what `docs/conditions.md` says a path names.
struct ReferenceSubject: ConditionSubject {
    var traits: [String: JSONValue]
    var events: [SubjectEvent]
    var derived: [String: JSONValue] = [:]
    var computed: [String: JSONValue] = [:]
    var segments: Set<String> = []

    func attribute(_ path: [String]) -> JSONValue? {
        guard let head = path.first else { return nil }
        var root: JSONValue?
        var rest = path.dropFirst()
        if rest.isEmpty, let v = computed[head] { return v }
        if let v = derived[head] {
            root = v
        } else if head == "traits", let key = rest.first {
            root = traits[key]
            rest = rest.dropFirst()
        } else {
            root = traits[head]
        }
        for key in rest { root = root?[key] }
        return root
    }

    func hasTag(_ tag: String) -> Bool { false }
    func isInSegment(_ name: String) -> Bool { segments.contains(name) }
    func events(named name: String?) -> [SubjectEvent] { events.filter { name == nil || $0.name == name } }
}
