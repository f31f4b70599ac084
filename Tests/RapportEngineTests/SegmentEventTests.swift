import Foundation
import RapportAudience
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

/// `Segment Entered` / `Segment Exited` in the log: replaying them gives the
/// members, a restart or a second process announces nothing twice, time and
/// deleted segments produce exits, and conditions never see them.
@Suite struct SegmentEventTests {
    static let now = AudienceProjectionTests.now

    /// Rapport's own events in the log, in log order.
    static func ownEvents(_ store: any RapportStore) async throws -> [StoredEvent] {
        var out: [StoredEvent] = []
        var after: Int64 = 0
        while true {
            let page = try await store.events(after: after, limit: 10_000)
            guard let last = page.last else { return out }
            // Rapport's announcements (an unmerge is an own event too, but announces nothing).
            out += page.filter { $0.sourceId == RapportSource.id && $0.name != MergeUndoneEvent.name }
            after = last.seq
        }
    }

    /// Each segment's members as the log's segment events say, replayed in order;
    /// fails on an entry while inside, an exit while outside, or a transition out of sequence.
    static func replay(_ events: [StoredEvent]) throws -> [String: Set<ProfileID>] {
        var inside: [String: Set<ProfileID>] = [:]
        var transitions: [String: Int] = [:]
        for e in events {
            let body = try JSONValue.parse(e.body)
            let props = try #require(body["properties"])
            guard case .string(let segment)? = props["segment"], case .number(let id)? = props["profile_id"],
                  case .number(let n)? = props["transition"] else {
                Issue.record("segment event without segment, profile_id or transition: \(body)")
                continue
            }
            let profile = ProfileID(Int64(id))
            #expect(body["anonymousId"] == .string("rapport:profile:\(Int64(id))"))
            let key = "\(segment)/\(profile)"
            let expected = (transitions[key] ?? 0) + 1
            #expect(Int(n) == expected, "transition numbers of \(key) run 1, 2, 3…")
            transitions[key] = expected
            let was = inside[segment, default: []].contains(profile)
            if e.name == SegmentEvent.entered {
                #expect(!was, "\(key) entered twice")
                inside[segment, default: []].insert(profile)
            } else {
                #expect(e.name == SegmentEvent.exited)
                #expect(was, "\(key) left without entering")
                inside[segment, default: []].remove(profile)
            }
        }
        return inside.filter { !$0.value.isEmpty }
    }

    static func members(_ engine: Engine, _ ws: WorkspaceID, _ names: [String]) async -> [String: Set<ProfileID>] {
        var out: [String: Set<ProfileID>] = [:]
        for n in names {
            let m = Set(await engine.projector.segmentMembers(workspaceId: ws, segment: n) ?? [])
            if !m.isEmpty { out[n] = m }
        }
        return out
    }

    @Test func theLogSaysWhoIsInEachSegmentAndARestartAnnouncesNothingTwice() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        let (segments, traits) = try AudienceProjectionTests.definitions()
        let names = segments.map(\.name)
        try await engine.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        for body in AudienceProjectionTests.demoBodies(customers: 120, seed: 21) { try await engine.send(body, key: key) }
        // The flush before publishing: a second process starting from it has not seen the segment events.
        try await engine.projector.flush()
        let someMember = try #require(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "big_spenders")?.first)
        let before = try #require(await engine.projector.profile(someMember, workspaceId: ws.id))
        await engine.projection.publishSegmentEvents()

        let own = try await Self.ownEvents(engine.store)
        #expect(!own.isEmpty)
        #expect(Set(own.map(\.messageId)).count == own.count)
        #expect(try Self.replay(own) == (await Self.members(engine, ws.id, names)))
        // On the timeline, not in the aggregates; conditions do not see them.
        let after = try #require(await engine.projector.profile(someMember, workspaceId: ws.id))
        #expect(after.aggregates == before.aggregates)
        let timeline = try await engine.timeline(someMember, workspaceId: ws.id, before: nil, limit: 500)
        #expect(timeline.events.contains { $0.stored.name == SegmentEvent.entered && $0.sourceName == RapportSource.name })
        try await AudienceProjectionTests.expectMatchesReference(engine, workspaceId: ws.id)
        await engine.projection.publishSegmentEvents()
        #expect(try await Self.ownEvents(engine.store).count == own.count, "nothing changed, nothing announced")
        let hour: Int64 = 3_600_000
        let appRecent = await engine.projector.segmentMembers(workspaceId: ws.id, segment: "app_recent") ?? []
        let history = await engine.projector.segmentHistory(workspaceId: ws.id, segment: "app_recent",
                                                            from: Self.now - 2 * hour, to: Self.now, unit: hour)
        #expect(history.map(\.size) == [0, 0, appRecent.count])
        #expect(history.last?.entered == own.filter { $0.name == SegmentEvent.entered && String(decoding: $0.body, as: UTF8.self).contains(#""segment":"app_recent""#) }.count)

        // A second process from the flush before the events: it announces the same transitions, which the log dedupes.
        let clock = MovableClock(millis: Self.now + 60_000)
        let other = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: clock)
        try await other.projector.load()
        try await other.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        #expect(await !other.projector.takeSegmentEvents().isEmpty, "from its checkpoint, nothing was announced yet")
        try await other.projector.load()
        try await other.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        await other.projection.publishSegmentEvents()
        #expect(try await Self.ownEvents(other.store).count == own.count, "the same transitions, deduped")
        try await other.projector.catchUp()
        try await other.projector.flush()

        // A restart after everything is logged announces nothing.
        let third = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: clock)
        try await third.projector.load()
        try await third.projector.define(workspaceId: ws.id, segments: segments, traits: traits)
        #expect(await third.projector.takeSegmentEvents().isEmpty)

        // Time passes: recent app users lapse, and the log says so.
        clock.millis = Self.now + 20 * 86_400_000
        await third.projector.refreshTimeDependentAudiences()
        await third.projection.publishSegmentEvents()
        let later = try await Self.ownEvents(third.store)
        #expect(later.count > own.count)
        #expect(later.contains { $0.name == SegmentEvent.exited })
        #expect(try Self.replay(later) == (await Self.members(third, ws.id, names)))
        // The size history, rebuilt from the log by the third process, shows both moments.
        let lapsed = await third.projector.segmentMembers(workspaceId: ws.id, segment: "app_recent") ?? []
        #expect(lapsed.count < appRecent.count)
        let days = await third.projector.segmentHistory(workspaceId: ws.id, segment: "app_recent", from: Self.now,
                                                        to: clock.millis, unit: 86_400_000)
        #expect(days.first?.size == appRecent.count && days.last?.size == lapsed.count)
        #expect(days.reduce(0) { $0 + $1.exited } >= appRecent.count - lapsed.count)

        // A segment deleted: everyone in it leaves.
        let kept = segments.filter { $0.name != "app_recent" && $0.name != "big_and_app" }
        let leaving = await third.projector.segmentMembers(workspaceId: ws.id, segment: "app_recent") ?? []
        try await third.projector.define(workspaceId: ws.id, segments: kept, traits: traits)
        await third.projection.publishSegmentEvents()
        let final = try await Self.ownEvents(third.store)
        #expect(try Self.replay(final)["app_recent"] == nil)
        #expect(final.count >= later.count + leaving.count)
        #expect(try Self.replay(final) == (await Self.members(third, ws.id, kept.map(\.name))))
    }

    @Test func aMergedAwayProfileLeavesAndAnUnmergeBringsItBack() async throws {
        let (engine, key, ws) = try await makeEngine(now: Self.now)
        try await engine.projector.define(
            workspaceId: ws.id, segments: [SegmentDefinition(name: "everyone", condition: .constant(true))], traits: [])
        try await engine.send(#"{"batch":[{"type":"track","event":"A","anonymousId":"anon-1"},"#
            + #"{"type":"identify","userId":"u-1","traits":{"email":"one@example.com"}}]}"#, key: key)
        await engine.projection.publishSegmentEvents()
        #expect(try await Self.ownEvents(engine.store).filter { $0.name == SegmentEvent.entered }.count == 2)
        // The anonymous visitor logs in: one profile is merged into the other.
        try await engine.send(#"{"type":"track","event":"B","anonymousId":"anon-1","userId":"u-1"}"#, key: key,
                              endpoint: .single(.track))
        await engine.projection.publishSegmentEvents()
        var own = try await Self.ownEvents(engine.store)
        #expect(own.count == 3)
        #expect(own.last?.name == SegmentEvent.exited, "the merged-away profile leaves")
        let merge = try #require(await engine.projector.recentMerges(workspaceId: ws.id, limit: 5).first)
        _ = try await engine.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "test", now: Self.now)
        await engine.projection.publishSegmentEvents()
        own = try await Self.ownEvents(engine.store)
        #expect(own.count == 4)
        let back = try JSONValue.parse(try #require(own.last).body)
        #expect(back["event"] == .string(SegmentEvent.entered))
        #expect(back["properties"]?["profile_id"] == .number(Double(merge.from.rawValue)))
        #expect(back["properties"]?["transition"] == .number(3), "numbered after its exit, so not deduped away")
        let everyone = Set(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "everyone") ?? [])
        #expect(try Self.replay(own) == ["everyone": everyone])
    }
}
