import Foundation
import RapportAudience
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

/// Tags: by hand (ids, CSV) through the log, by rule as hidden segments,
/// read by conditions, kept across restarts and merges, deleted cleanly.
@Suite struct TagTests {
    static let now = AudienceProjectionTests.now

    @Test func handAndRuleTagsAreReadByConditionsAndSurviveARestart() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(now: Self.now, directory: dir)
        for body in AudienceProjectionTests.demoBodies(customers: 100, seed: 31) { try await engine.send(body, key: key) }
        let spend = #"sum revenue of "Order Completed" > 800"#
        try await engine.saveDefinition(workspaceId: ws.id, kind: .tag, name: "vip", body: spend, group: "member_level")
        try await engine.saveDefinition(workspaceId: ws.id, kind: .tag, name: "活动_2026", body: "", group: "activity")
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "big", body: spend)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "app", body: #"did "Application Opened""#)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "vip_app", body: #"has tag "vip" and in segment "app""#)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "campaign", body: #"has tag "活动_2026""#)

        // The rule tag is exactly the segment with the same condition; conditions see it.
        let big = try #require(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "big"))
        let app = Set(try #require(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "app")))
        #expect(!big.isEmpty)
        #expect(await engine.tagMembers(workspaceId: ws.id, tag: "vip") == big)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "vip_app") == big.filter(app.contains))
        let bigView = try #require(await engine.projector.profile(big[0], workspaceId: ws.id))
        #expect(bigView.tags.contains("vip"))
        #expect(!bigView.segments.contains { $0.contains("tag:") }, "rule segments stay hidden")

        // By hand: two by id, two by e-mail from a CSV, one unknown line.
        let all = await engine.projector.liveProfiles(workspaceId: ws.id)
        var withEmail: [(ProfileID, String)] = []
        for p in all.reversed() where withEmail.count < 2 {
            if let e = await engine.projector.profile(p, workspaceId: ws.id)?.identifiers.first(where: { $0.identifier.kind == "email" }) {
                withEmail.append((p, e.identifier.value))
            }
        }
        #expect(withEmail.count == 2)
        let byId = [all[0], all[1]]
        let before = try #require(await engine.projector.profile(all[0], workspaceId: ws.id)).aggregates.eventCount
        let set = try await engine.setTag("活动_2026", on: byId + [all[0]], added: true, workspaceId: ws.id, by: "test")
        #expect(set == Engine.TagChange(changed: 2, unchanged: 0, notFound: []))
        let csv = "email,city\n\(withEmail[0].1.uppercased()),上海\n\(withEmail[1].1),北京\nnobody@example.com,x\n"
        let uploaded = try await engine.setTag("活动_2026", csv: Array(csv.utf8), added: true, workspaceId: ws.id, by: "test")
        #expect(uploaded.changed == 2)
        #expect(uploaded.notFound.count == 1 && uploaded.notFound[0].hasPrefix("line 4"))
        let tagged = Set(byId + withEmail.map(\.0))
        #expect(Set(await engine.tagMembers(workspaceId: ws.id, tag: "活动_2026")) == tagged)
        #expect(Set(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "campaign") ?? []) == tagged)
        #expect(try #require(await engine.projector.profile(all[0], workspaceId: ws.id)).aggregates.eventCount == before,
                "a tag event is not the customer's activity")
        let again = try await engine.setTag("活动_2026", on: [all[1]], added: true, workspaceId: ws.id, by: "test")
        #expect(again.unchanged == 1 && again.changed == 0)
        let off = try await engine.setTag("活动_2026", on: [all[1], ProfileID(9_999_999)], added: false,
                                         workspaceId: ws.id, by: "test")
        #expect(off == Engine.TagChange(changed: 1, unchanged: 0, notFound: ["profile 9999999"]))
        let expected = tagged.subtracting([all[1]])
        #expect(Set(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "campaign") ?? []) == expected)

        // Unknown tags and bad CSVs are refused.
        await #expect(throws: RapportError.self) {
            try await engine.setTag("nope", on: [all[0]], added: true, workspaceId: ws.id, by: "test")
        }
        await #expect(throws: RapportError.self) {
            try await engine.setTag("活动_2026", csv: Array("city\n上海\n".utf8), added: true, workspaceId: ws.id, by: "test")
        }
        await #expect(throws: (any Error).self) {
            try await engine.saveDefinition(workspaceId: ws.id, kind: .tag, name: "bad", body: "count >", group: "x")
        }

        // A new process without a flush since: the tags come back from the log.
        let other = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: FixedClock(millis: Self.now))
        try await other.projector.load()
        try await other.projector.catchUp()
        try await other.projector.applyStoredDefinitionsIfChanged()
        #expect(Set(await other.tagMembers(workspaceId: ws.id, tag: "活动_2026")) == expected)
        #expect(await other.tagMembers(workspaceId: ws.id, tag: "vip") == big)
        #expect(Set(await other.projector.segmentMembers(workspaceId: ws.id, segment: "campaign") ?? []) == expected)
        // And from a flush.
        try await other.projector.flush()
        let third = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: FixedClock(millis: Self.now))
        try await third.projector.load()
        #expect(Set(await third.projector.manualTagHolders(workspaceId: ws.id, tag: "活动_2026")) == expected)

        // Deleted: off everyone, and the segment reading it empties.
        try await engine.deleteDefinition(workspaceId: ws.id, kind: .tag, name: "活动_2026")
        #expect(await engine.projector.manualTagHolders(workspaceId: ws.id, tag: "活动_2026").isEmpty)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "campaign") == [])
        #expect(try await engine.store.definitions(workspaceId: ws.id, kind: .tag).map(\.name) == ["vip"])
    }

    @Test func aTagFollowsMergesAndComesOffEveryMergedProfile() async throws {
        let (engine, key, ws) = try await makeEngine(now: Self.now)
        try await engine.saveDefinition(workspaceId: ws.id, kind: .tag, name: "refers", body: "", group: "referral")
        try await engine.send(#"{"batch":[{"type":"track","event":"A","anonymousId":"anon-1"},"#
            + #"{"type":"identify","userId":"u-1","traits":{"email":"one@example.com"}}]}"#, key: key)
        let anon = try #require(await engine.projector.profileId(for: Identifier(kind: "anonymous_id", value: "anon-1"),
                                                                 workspaceId: ws.id))
        _ = try await engine.setTag("refers", on: [anon], added: true, workspaceId: ws.id, by: "test")
        try await engine.send(#"{"type":"track","event":"B","anonymousId":"anon-1","userId":"u-1"}"#, key: key,
                              endpoint: .single(.track))
        let merged = try #require(await engine.projector.profile(anon, workspaceId: ws.id))
        #expect(merged.mergedProfiles.count == 1)
        #expect(merged.tags == ["refers"])
        #expect(await engine.tagMembers(workspaceId: ws.id, tag: "refers") == [merged.id])
        // Taken off the merged profile: off both parts, so an unmerge does not bring it back.
        let off = try await engine.setTag("refers", on: [merged.id], added: false, workspaceId: ws.id, by: "test")
        #expect(off.changed == 1)
        // The timeline explains it, newest first.
        let timeline = try await engine.timeline(merged.id, workspaceId: ws.id, before: nil, limit: 50)
        #expect(timeline.events.map(\.stored.name).filter { $0.hasPrefix("Tag") } == [TagEvent.removed, TagEvent.added])
        let merge = try #require(await engine.projector.recentMerges(workspaceId: ws.id, limit: 5).first)
        _ = try await engine.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "test", now: Self.now)
        #expect(await engine.tagMembers(workspaceId: ws.id, tag: "refers").isEmpty)
    }

    @Test func aStaticSegmentIsTheUploadedListAndIsAnnouncedLikeAnyOther() async throws {
        let (engine, key, ws) = try await makeEngine(now: Self.now)
        try await engine.projector.applyStoredDefinitionsIfChanged()
        var batch: [String] = []
        for i in 1...5 { batch.append(#"{"type":"identify","userId":"u\#(i)","traits":{"phone":"1380013800\#(i)"}}"#) }
        try await engine.send(#"{"batch":[\#(batch.joined(separator: ","))]}"#, key: key)
        func id(_ u: String) async throws -> ProfileID {
            try #require(await engine.projector.profileId(for: Identifier(kind: "user_id", value: u), workspaceId: ws.id))
        }
        let first = try await engine.uploadStaticSegment(
            "门店名单", csv: Array("phone,name\n13800138001,a\n+86 138 0013 8002,b\n13900000000,c\n".utf8), replace: false,
            workspaceId: ws.id, by: "test")
        #expect(first.changed == 2 && first.notFound.count == 1)
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "门店名单") == [try await id("u1"), try await id("u2")])
        #expect(try await engine.store.definitions(workspaceId: ws.id, kind: .segment).first?.body == #"has tag "list:门店名单""#)
        // Again, adding; then replacing.
        _ = try await engine.uploadStaticSegment("门店名单", csv: Array("user_id\nu3\n".utf8), replace: false,
                                                  workspaceId: ws.id, by: "test")
        #expect(await engine.projector.segmentSize(workspaceId: ws.id, segment: "门店名单") == 3)
        let replaced = try await engine.uploadStaticSegment("门店名单", csv: Array("user_id\nu3\nu4\n".utf8), replace: true,
                                                             workspaceId: ws.id, by: "test")
        #expect(replaced.changed == 3, "u4 in, u1 and u2 out")
        #expect(await engine.projector.segmentMembers(workspaceId: ws.id, segment: "门店名单") == [try await id("u3"), try await id("u4")])
        // Its entries and exits are in the log like any segment's.
        await engine.projection.publishSegmentEvents()
        let own = try await SegmentEventTests.ownEvents(engine.store).filter { $0.name.hasPrefix("Segment") }
        #expect(try SegmentEventTests.replay(own) == ["门店名单": [try await id("u3"), try await id("u4")]])
        // A segment defined by a condition is not overwritten by a list.
        try await engine.saveDefinition(workspaceId: ws.id, kind: .segment, name: "everyone", body: "everyone")
        await #expect(throws: RapportError.self) {
            try await engine.uploadStaticSegment("everyone", csv: Array("user_id\nu1\n".utf8), replace: false,
                                                 workspaceId: ws.id, by: "test")
        }
    }
}
