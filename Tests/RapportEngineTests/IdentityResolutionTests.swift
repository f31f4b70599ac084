import Foundation
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

@Suite struct IdentityResolutionTests {
    @Test func anonymousVisitsJoinTheProfileWhenTheVisitorIdentifies() async throws {
        let (engine, key, _) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"page","anonymousId":"anon-1","messageId":"m1","timestamp":"2025-01-01T10:00:00Z","name":"Home"},
              {"type":"track","anonymousId":"anon-1","messageId":"m2","timestamp":"2025-01-01T10:01:00Z","event":"Product Viewed"},
              {"type":"identify","userId":"u-42","anonymousId":"anon-1","messageId":"m3","timestamp":"2025-01-01T10:02:00Z",
               "traits":{"email":" Li.Lei@Example.COM ","phone":"138 0013 8000","name":"李雷","city":"上海"}}
            ]}
            """#, key: key)
        let p = try await engine.profile("user_id:u-42")
        #expect(p.aggregates.eventCount == 3)
        let ids = Set(p.identifiers.map(\.identifier.description))
        #expect(ids == ["user_id:u-42", "anonymous_id:anon-1", "email:li.lei@example.com", "phone:+8613800138000"])
        #expect(p.traits["city"]?.value == .string("上海"))
        #expect(try await engine.profile("email:LI.LEI@example.com").id == p.id)
        #expect(p.merges.isEmpty, "one profile from the start: nothing to merge")
    }

    @Test func aSharedEmailMergesTwoDevicesAndTheMergeCanBeUndone() async throws {
        let (engine, key, ws) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"identify","anonymousId":"web-a","messageId":"w1","timestamp":"2025-01-01T10:00:00Z","traits":{"email":"mei@example.com"}},
              {"type":"track","anonymousId":"web-a","messageId":"w2","timestamp":"2025-01-01T10:05:00Z","event":"Order Completed","properties":{"revenue":100}},
              {"type":"identify","anonymousId":"app-b","messageId":"a1","timestamp":"2025-01-02T10:00:00Z","context":{"device":{"id":"dev-1"}},"traits":{"phone":"+86 139 0000 1111"}},
              {"type":"track","anonymousId":"app-b","messageId":"a2","timestamp":"2025-01-02T11:00:00Z","event":"Order Completed","properties":{"total":"50.5"}}
            ]}
            """#, key: key)
        let web = try await engine.profile("anonymous_id:web-a")
        let app = try await engine.profile("anonymous_id:app-b")
        #expect(web.id != app.id)
        // The app user logs in with the same email: one person.
        try await engine.send(#"""
            {"batch":[{"type":"identify","anonymousId":"app-b","messageId":"a3","timestamp":"2025-01-03T10:00:00Z","traits":{"email":"MEI@example.com","name":"Mei"}}]}
            """#, key: key)
        let merged = try await engine.profile("email:mei@example.com")
        #expect(try await engine.profile("anonymous_id:app-b").id == merged.id)
        #expect(merged.aggregates.orders == 2)
        #expect(abs(merged.aggregates.revenue - 150.5) < 1e-9)
        #expect(merged.aggregates.eventCount == 5)
        #expect(merged.merges.count == 1)
        let merge = try #require(merged.merges.first)
        // The merged-away profile's identifier that the message carried.
        #expect(merge.identifier == "anonymous_id:app-b")
        #expect(merge.messageId == "a3")
        // Both profiles' events are on the merged timeline.
        let timeline = try await engine.timeline(merged.id, workspaceId: ws.id, before: nil, limit: 10)
        #expect(Set(timeline.events.map(\.stored.messageId)) == ["w1", "w2", "a1", "a2", "a3"])

        // Undo: the merged-away profile comes back with its identifiers and events.
        let undone = try await engine.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "tester", now: 1)
        #expect(undone.undoneAt == 1)
        let left = try #require(await engine.projector.profile(merge.into, workspaceId: ws.id))
        let right = try #require(await engine.projector.profile(merge.from, workspaceId: ws.id))
        #expect(left.id != right.id)
        #expect(left.aggregates.orders + right.aggregates.orders == 2)
        #expect(left.aggregates.eventCount + right.aggregates.eventCount == 5)
        let leftEvents = try await engine.timeline(left.id, workspaceId: ws.id, before: nil, limit: 10).events
        let rightEvents = try await engine.timeline(right.id, workspaceId: ws.id, before: nil, limit: 10).events
        #expect(Set(leftEvents.map(\.stored.messageId)).isDisjoint(with: rightEvents.map(\.stored.messageId)))
        // The five events, and on the profile split off, the unmerge itself (who, which merge).
        #expect(leftEvents.count + rightEvents.count == 6)
        let undoneEvent = try #require(rightEvents.first { $0.stored.name == MergeUndoneEvent.name })
        let undoneBody = try JSONValue.parse(undoneEvent.stored.body)
        #expect(undoneBody["properties"]?["by"] == .string("tester"))
        #expect(undoneBody["properties"]?["merge_id"] == .number(Double(merge.id)))
        // An undone merge is not redone by the next event that links them.
        try await engine.send(#"""
            {"batch":[{"type":"identify","anonymousId":"app-b","messageId":"a4","timestamp":"2025-01-04T10:00:00Z","traits":{"email":"mei@example.com"}}]}
            """#, key: key)
        #expect(try await engine.profile("anonymous_id:app-b").id != (try await engine.profile("anonymous_id:web-a").id))
        // Undoing twice is refused.
        await #expect(throws: RapportError.self) {
            try await engine.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "tester", now: 2)
        }
    }

    @Test func twoUserIdsNeverMergeAndTheConflictIsRecorded() async throws {
        let (engine, key, ws) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"identify","userId":"u1","messageId":"x1","timestamp":"2025-01-01T10:00:00Z","traits":{"email":"shared@example.com"}},
              {"type":"identify","userId":"u2","messageId":"x2","timestamp":"2025-01-01T11:00:00Z","traits":{"email":"shared@example.com"}}
            ]}
            """#, key: key)
        let u1 = try await engine.profile("user_id:u1")
        let u2 = try await engine.profile("user_id:u2")
        #expect(u1.id != u2.id)
        #expect(u2.aggregates.eventCount == 1, "the event still lands, on u2")
        #expect(!u2.identifiers.contains { $0.identifier.kind == "email" })
        try await engine.projector.flush()
        let warnings = try await engine.store.identityWarnings(workspaceId: ws.id, limit: 10)
        #expect(warnings.contains { $0.messageId == "x2" && $0.identifier == "email:shared@example.com" })
    }

    @Test func blockedValuesLinkNothing() async throws {
        let (engine, key, _) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"identify","userId":"null","anonymousId":"a1","messageId":"b1","traits":{"phone":"0"}},
              {"type":"identify","userId":"undefined","anonymousId":"a2","messageId":"b2","traits":{"phone":"0"}}
            ]}
            """#, key: key)
        #expect(try await engine.profile("anonymous_id:a1").id != (try await engine.profile("anonymous_id:a2").id))
    }

    @Test func mostRecentTraitWinsByEventTime() async throws {
        let (engine, key, _) = try await makeEngine()
        try await engine.send(#"""
            {"batch":[
              {"type":"identify","userId":"t1","messageId":"t-2","timestamp":"2025-02-01T00:00:00Z","traits":{"city":"北京"}},
              {"type":"identify","userId":"t1","messageId":"t-1","timestamp":"2025-01-01T00:00:00Z","traits":{"city":"上海","age":30}}
            ]}
            """#, key: key)
        let p = try await engine.profile("user_id:t1")
        #expect(p.traits["city"]?.value == .string("北京"), "the older event arrived later but does not win")
        #expect(p.traits["age"]?.value == .number(30))
        #expect(p.traits["city"]?.setAt == 1_738_368_000_000)
    }

    @Test func theProjectionRebuiltFromTheLogEqualsTheLiveOne() async throws {
        let dir = temporaryDirectory()
        let (engine, key, ws) = try await makeEngine(directory: dir)
        var lines: [String] = []
        for i in 0..<300 {
            let anon = "anon-\(i % 40)"
            let email = "user\(i % 25)@example.com"
            lines.append(#"{"type":"identify","anonymousId":"\#(anon)","messageId":"r\#(i)","timestamp":"2025-01-01T00:00:\#(String(format: "%02d", i % 60))Z","traits":{"email":"\#(email)","n":\#(i)}}"#)
            if i == 150 {
                try await engine.send("{\"batch\":[\(lines.joined(separator: ","))]}", key: key)
                try await engine.projector.flush()  // half flushed, half only in memory
                lines.removeAll()
            }
        }
        try await engine.send("{\"batch\":[\(lines.joined(separator: ","))]}", key: key)
        // A second projector, as after a crash: loads the last flush and replays the rest of the log.
        let replay = ProfileProjector(store: engine.store)
        try await replay.load()
        try await replay.catchUp()
        for i in 0..<25 {
            let id = Identifier(kind: "email", value: "user\(i)@example.com")
            let a = try #require(await engine.projector.profileId(for: id, workspaceId: ws.id))
            let b = try #require(await replay.profileId(for: id, workspaceId: ws.id))
            #expect(a == b)
            let va = try #require(await engine.projector.profile(a, workspaceId: ws.id))
            let vb = try #require(await replay.profile(b, workspaceId: ws.id))
            #expect(va.aggregates == vb.aggregates)
            #expect(va.traits == vb.traits)
            #expect(Set(va.identifiers.map(\.identifier)) == Set(vb.identifiers.map(\.identifier)))
        }
    }
}
