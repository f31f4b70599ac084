import Foundation
import RapportCore
import RapportIngest
import RapportStore
import Testing

@testable import RapportEngine

@Suite struct ProjectionFlushTests {
    /// A batch of identify and track messages for `users` people, `count` messages from `start`.
    func batch(start: Int, count: Int, users: Int) -> String {
        var lines: [String] = []
        for i in start..<(start + count) {
            let user = "u\(i % users)"
            let second = String(format: "%02d", i % 60)
            if i % 3 == 0 {
                lines.append(#"{"type":"identify","userId":"\#(user)","messageId":"m\#(i)","timestamp":"2025-01-01T00:\#(String(format: "%02d", (i / 60) % 60)):\#(second)Z","traits":{"email":"\#(user)@example.com","n":\#(i)}}"#)
            } else {
                lines.append(#"{"type":"track","event":"Order Completed","userId":"\#(user)","messageId":"m\#(i)","timestamp":"2025-01-01T00:\#(String(format: "%02d", (i / 60) % 60)):\#(second)Z","properties":{"revenue":\#(i % 17)}}"#)
            }
        }
        return "{\"batch\":[\(lines.joined(separator: ","))]}"
    }

    /// Appends a body to the log and returns the events as the writer hands them over.
    func append(_ json: String, engine: Engine, key: String) async throws -> [ProjectableEvent] {
        let decoded = try engine.decoder.decode(body: Array(json.utf8), endpoint: .batch, receivedAt: 1_750_000_000_000)
        let source = try #require(engine.source(forWriteKey: key))
        let events = decoded.accepted.map { EventToAppend(workspaceId: source.workspaceId, sourceId: source.id, message: $0) }
        return ProjectableEvent.stored(events, positions: try await engine.store.append(events))
    }

    @Test func flushesThatOverlapEventsAndEachOtherLeaveAStateThatReplaysExactly() async throws {
        let (engine, key, ws) = try await makeEngine()
        let projector = engine.projector
        for round in 0..<6 {
            let events = try await append(batch(start: round * 200, count: 200, users: 30), engine: engine, key: key)
            // The flush writes while the next events are applied (the actor is reentrant).
            async let flushing: Void = projector.flush()
            try await projector.apply(events)
            try await flushing
        }
        let last = try await append(batch(start: 1_200, count: 50, users: 30), engine: engine, key: key)
        try await projector.apply(last)
        // Two flushes at once: the second waits for the first, so checkpoints reach the store in order.
        async let first: Void = projector.flush()
        async let second: Void = projector.flush()
        _ = try await (first, second)
        #expect(await projector.flushed == 1_250)

        let replay = ProfileProjector(store: engine.store)
        try await replay.load()
        #expect(await replay.applied == 1_250, "everything applied was flushed")
        #expect(try await replay.catchUp() == 0)
        var timelineEntries = 0
        for u in 0..<30 {
            let id = Identifier(kind: "user_id", value: "u\(u)")
            let a = try #require(await projector.profileId(for: id, workspaceId: ws.id))
            let b = try #require(await replay.profileId(for: id, workspaceId: ws.id))
            #expect(a == b)
            let va = try #require(await projector.profile(a, workspaceId: ws.id))
            let vb = try #require(await replay.profile(b, workspaceId: ws.id))
            #expect(va.aggregates == vb.aggregates, "no event counted twice or lost across flushes")
            #expect(va.traits == vb.traits)
            let ta = await projector.timelineSeqs(a, workspaceId: ws.id, before: nil, limit: 1_000)
            let tb = await replay.timelineSeqs(b, workspaceId: ws.id, before: nil, limit: 1_000)
            #expect(ta == tb, "the timeline is rebuilt from the stored event owners")
            #expect(ta.count == va.aggregates.eventCount)
            timelineEntries += tb.count
        }
        #expect(timelineEntries == 1_250)
    }

    @Test func aBoundedCatchUpStopsAtItsBoundAndTheHandOverFillsTheRest() async throws {
        let (engine, key, _) = try await makeEngine()
        let events = try await append(batch(start: 0, count: 100, users: 7), engine: engine, key: key)
        #expect(try await engine.projector.catchUp(through: 40) == 40)
        #expect(await engine.projector.applied == 40)
        // Handing over events past a gap reads the gap from the log, then applies them.
        try await engine.projector.apply(Array(events.suffix(20)))
        #expect(await engine.projector.applied == 100)
        #expect(try await engine.projector.catchUp() == 0)
    }

    @Test func timelinesPageNewestFirstAcrossMergedProfiles() async throws {
        let (engine, key, ws) = try await makeEngine()
        try await engine.send(#"{"batch":[{"type":"track","event":"A","anonymousId":"x","messageId":"1","timestamp":"2025-01-01T00:00:01Z"},{"type":"track","event":"B","userId":"u","messageId":"2","timestamp":"2025-01-01T00:00:02Z"},{"type":"track","event":"C","anonymousId":"x","messageId":"3","timestamp":"2025-01-01T00:00:03Z"},{"type":"identify","userId":"u","anonymousId":"x","messageId":"4","timestamp":"2025-01-01T00:00:04Z"}]}"#, key: key)
        let live = try #require(await engine.projector.profileId(for: Identifier(kind: "user_id", value: "u"), workspaceId: ws.id))
        #expect(await engine.projector.timelineSeqs(live, workspaceId: ws.id, before: nil, limit: 10) == [4, 3, 2, 1])
        #expect(await engine.projector.timelineSeqs(live, workspaceId: ws.id, before: 4, limit: 2) == [3, 2])
        #expect(await engine.projector.timelineSeqs(live, workspaceId: ws.id, before: 1, limit: 2) == [])
        #expect(await engine.projector.timelineSeqs(live, workspaceId: ws.id, before: nil, limit: 0) == [])
    }

    @Test func messagesFromTypedEndpointsReplayFromTheLog() async throws {
        // `/v1/identify` and `/v1/track` bodies need not carry `type`; the log's column has it.
        let (engine, key, ws) = try await makeEngine()
        try await engine.send(#"{"userId":"t-1","traits":{"email":"T1@Example.com","plan":"gold"},"messageId":"i1","timestamp":"2025-01-01T00:00:01Z"}"#,
                              key: key, endpoint: .single(.identify))
        try await engine.send(#"{"userId":"t-1","event":"Order Completed","properties":{"revenue":30},"messageId":"t1","timestamp":"2025-01-01T00:00:02Z"}"#,
                              key: key, endpoint: .single(.track))
        let replay = ProfileProjector(store: engine.store)
        try await replay.load()
        #expect(try await replay.catchUp() == 2)
        let id = Identifier(kind: "email", value: "t1@example.com")
        let a = try #require(await engine.projector.profileId(for: id, workspaceId: ws.id))
        let b = try #require(await replay.profileId(for: id, workspaceId: ws.id), "the identify was replayed")
        let va = try #require(await engine.projector.profile(a, workspaceId: ws.id))
        let vb = try #require(await replay.profile(b, workspaceId: ws.id))
        #expect(vb.aggregates == va.aggregates)
        #expect(vb.aggregates.orders == 1)
        #expect(vb.traits["plan"]?.value == .string("gold"))
    }

    @Test func directAppendsAreProjectedWhileTheCommandRuns() async throws {
        let (engine, key, ws) = try await makeEngine()
        let source = try #require(engine.source(forWriteKey: key))
        let (logged, projected) = try await engine.withLocalProjection { () async throws -> Int64 in
            var logged: Int64 = 0
            for round in 0..<3 {
                let body = Array(batch(start: round * 100, count: 100, users: 9).utf8)
                let messages = try engine.decoder.decode(body: body, endpoint: .batch, receivedAt: 1_750_000_000_000).accepted
                let (appended, duplicates) = try await engine.appendDirect(messages, source: source)
                #expect(appended == 100 && duplicates == 0)
                logged += 100
            }
            // Projected by the hand-off while the command still runs, not by the catch-up at its end.
            let deadline = ContinuousClock.now + .seconds(10)
            while await engine.projector.applied < logged, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(await engine.projector.applied == logged)
            #expect(await engine.projector.flushed == 0, "nothing is flushed before the command ends")
            return logged
        }
        #expect(projected && logged == 300)
        #expect(await engine.projector.flushed == 300, "flushed when the command ends")
        var events = 0
        for u in 0..<9 {
            let id = try #require(await engine.projector.profileId(for: Identifier(kind: "user_id", value: "u\(u)"),
                                                                    workspaceId: ws.id))
            events += try #require(await engine.projector.profile(id, workspaceId: ws.id)).aggregates.eventCount
        }
        #expect(events == 300)
    }

    @Test func aLongCommandFlushesInTheBackgroundWhileItRuns() async throws {
        let (engine, key, ws) = try await makeEngine(localFlushEvents: 150)
        let source = try #require(engine.source(forWriteKey: key))
        let (_, projected) = try await engine.withLocalProjection { () async throws -> Void in
            for round in 0..<3 {
                let body = Array(batch(start: round * 100, count: 100, users: 9).utf8)
                let messages = try engine.decoder.decode(body: body, endpoint: .batch, receivedAt: 1_750_000_000_000).accepted
                _ = try await engine.appendDirect(messages, source: source)
            }
            // 200 applied passes the 150 between flushes: one flush starts, and the command goes on.
            let deadline = ContinuousClock.now + .seconds(10)
            while await engine.projector.flushed < 200, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(await engine.projector.flushed >= 200, "a flush ran while the command was still running")
        }
        #expect(projected)
        #expect(await engine.projector.flushed == 300)
        // What was flushed in the background and at the end loads back as it was projected.
        let reloaded = Engine(store: engine.store, clock: FixedClock(millis: 1_750_000_000_000))
        try await reloaded.projector.load()
        #expect(await reloaded.projector.applied == 300)
        var events = 0
        for u in 0..<9 {
            let id = try #require(await reloaded.projector.profileId(
                for: Identifier(kind: "user_id", value: "u\(u)"), workspaceId: ws.id))
            events += try #require(await reloaded.projector.profile(id, workspaceId: ws.id)).aggregates.eventCount
        }
        #expect(events == 300)
    }

    @Test func aFailingCommandStillFlushesWhatItProjectedAndGivesTheLeaseBack() async throws {
        let (engine, key, _) = try await makeEngine()
        let source = try #require(engine.source(forWriteKey: key))
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            _ = try await engine.withLocalProjection { () async throws -> Void in
                let body = Array(batch(start: 0, count: 100, users: 9).utf8)
                let messages = try engine.decoder.decode(body: body, endpoint: .batch, receivedAt: 1_750_000_000_000).accepted
                _ = try await engine.appendDirect(messages, source: source)
                throw Stop()
            }
        }
        #expect(await engine.projector.flushed == 100)
        #expect(try await engine.projectNow(), "the lease was given back")
    }
}
