import Foundation
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

/// Two servers on one store (two `SQLiteStore`s on one directory are two
/// processes; the PostgreSQL end-to-end test runs real servers): one writes
/// the projection, the other follows the log, both serve the same profiles,
/// and the follower takes over when the writer stops.
@Suite struct MultiNodeTests {
    /// Waits until `condition` holds, up to `seconds`.
    func eventually(_ what: String, within seconds: Double = 15, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    func ingest(_ engine: Engine, _ json: String, key: String) async throws {
        _ = try await engine.ingest(body: Array(json.utf8), endpoint: .batch, headerKey: key)
    }

    /// A hand-over can hold two appends of this process with another
    /// process's append between them: the gap is read from the log, not
    /// skipped.
    @Test func aGapBetweenHandedOverAppendsIsReadFromTheLog() async throws {
        let (engine, key, ws) = try await makeEngine()
        let source = try #require(engine.source(forWriteKey: key))
        func event(_ id: String, _ user: String) throws -> EventToAppend {
            let json = #"{"type":"identify","userId":"\#(user)","messageId":"\#(id)","traits":{"email":"\#(user)@example.com"}}"#
            let decoded = try engine.decoder.decode(body: Array(json.utf8), endpoint: .single(.identify), receivedAt: 1)
            return EventToAppend(workspaceId: ws.id, sourceId: source.id, message: try #require(decoded.accepted.first))
        }
        let mine1 = [try event("m1", "a")], other = [try event("m2", "b")], mine2 = [try event("m3", "c")]
        let p1 = try await engine.store.append(mine1)
        _ = try await engine.store.append(other)  // another server's, between this one's two appends
        let p3 = try await engine.store.append(mine2)
        try await engine.projector.apply(ProjectableEvent.stored(mine1, positions: p1)
                                         + ProjectableEvent.stored(mine2, positions: p3))
        #expect(await engine.projector.applied == 3)
        for user in ["a", "b", "c"] {
            #expect(try await engine.profile("user_id:\(user)").aggregates.eventCount == 1)
        }
        // Handed over again (a retry of the hand-over): nothing is applied twice.
        try await engine.projector.apply(ProjectableEvent.stored(mine1, positions: p1))
        #expect(try await engine.profile("user_id:a").aggregates.eventCount == 1)
    }

    /// Two projectors that both believe they write (one lost its lease
    /// without knowing): the second flush from the same checkpoint is
    /// refused, and what is stored is the first's.
    @Test func aWriterThatLostItsLeaseCannotFlushOverTheNewOne() async throws {
        let dir = temporaryDirectory()
        let (a, key, _) = try await makeEngine(directory: dir)
        let b = Engine(store: try SQLiteStore(directory: dir, durability: .normal), clock: FixedClock(millis: 1_750_000_000_000))
        try await b.projector.load()
        try await a.send(#"{"batch":[{"type":"identify","userId":"u-1","messageId":"f1","traits":{"city":"上海"}}]}"#, key: key)
        try await b.projector.catchUp()
        try await a.projector.flush()
        await #expect(throws: RapportError.self) { try await b.projector.flush() }
        #expect(try await a.store.loadProjection().checkpoint == 1)
        // Reloaded, the fenced one goes on from the store's state.
        try await b.projector.load()
        try await a.send(#"{"batch":[{"type":"track","userId":"u-1","messageId":"f2","event":"Viewed"}]}"#, key: key)
        try await b.projector.catchUp()
        try await b.projector.flush()
        #expect(try await b.store.loadProjection().checkpoint == 2)
    }

    @Test func twoServersShareOneProjectionAndTheFollowerTakesOver() async throws {
        let dir = temporaryDirectory()
        let a = Engine(store: try SQLiteStore(directory: dir, durability: .normal))
        let (ws, creds) = try await a.setUp(workspaceName: "test")
        let key = try #require(creds?.writeKeys["web"])
        let b = Engine(store: try SQLiteStore(directory: dir, durability: .normal))
        _ = try await b.setUp(workspaceName: "test")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await a.writer.run() }
            group.addTask { try await a.projection.run() }
            try await eventually("a writes the projection") { a.projection.isLeader }
            group.addTask { try await b.writer.run() }
            group.addTask { try await b.projection.run() }
            try await Task.sleep(for: .milliseconds(300))
            #expect(!b.projection.isLeader, "one writer at a time")

            // Events reach either server; both see every profile, with the same ids.
            try await ingest(a, #"{"batch":[{"type":"identify","userId":"u-1","messageId":"m1","traits":{"email":"mei@example.com"}}]}"#, key: key)
            try await ingest(b, #"{"batch":[{"type":"track","anonymousId":"anon-9","messageId":"m2","event":"Product Viewed"}]}"#, key: key)
            // The visitor signs in on the other server: the two profiles merge, on both.
            try await ingest(b, #"{"batch":[{"type":"identify","anonymousId":"anon-9","messageId":"m3","traits":{"email":"mei@example.com"}}]}"#, key: key)
            let last = try await a.store.lastSeq()
            for engine in [a, b] {
                try await eventually("both servers apply the log") { await engine.projector.applied >= last }
            }
            let onA = try await a.profile("anonymous_id:anon-9")
            let onB = try await b.profile("user_id:u-1")
            #expect(onA.id == onB.id)
            #expect(onA.aggregates.eventCount == 3 && onB.aggregates.eventCount == 3)
            #expect(await a.projector.recentMerges(workspaceId: ws.id, limit: 5).map(\.id)
                    == (await b.projector.recentMerges(workspaceId: ws.id, limit: 5).map(\.id)))

            // An unmerge on the follower goes through the log: the writer applies and stores it.
            let merge = try #require(await b.projector.recentMerges(workspaceId: ws.id, limit: 1).first)
            let undone = try await b.unmerge(mergeId: merge.id, workspaceId: ws.id, by: "support")
            #expect(undone.undoneBy == "support")
            try await eventually("the writer applies the unmerge") { await a.projector.merge(id: merge.id)?.undoneAt != nil }
            #expect(try await a.profile("anonymous_id:anon-9").id != (try await a.profile("user_id:u-1").id))
            try await eventually("the writer stores it") {
                try await a.store.loadProjection().merges.first { $0.id == merge.id }?.undoneAt != nil
            }
            // The follower never wrote: what is stored is what the writer flushed.
            #expect(await b.projector.flushed == (await b.projector.applied))

            // The writer stops (its lease is released): the follower takes over and goes on from its flush.
            a.projection.stop()
            a.writer.close()
            try await eventually("the follower takes over") { b.projection.isLeader }
            try await ingest(b, #"{"batch":[{"type":"identify","userId":"u-2","messageId":"m4","traits":{"phone":"13800138000"}}]}"#, key: key)
            let end = try await b.store.lastSeq()
            try await eventually("the new writer flushes everything", within: 20) {
                try await b.store.stats(workspaceId: ws.id).checkpoint >= end
            }
            let stored = try await b.store.loadProjection()
            #expect(stored.merges.first { $0.id == merge.id }?.undoneAt != nil)
            #expect(stored.identities.contains { $0.identifier == Identifier(kind: "phone", value: "+8613800138000") })
            #expect(Set(stored.identities.map(\.identifier)).count == stored.identities.count, "no identifier stored twice")
            b.projection.stop()
            b.writer.close()
            try await group.waitForAll()
        }
    }
}
