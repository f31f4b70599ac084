import Foundation
import RapportAudience
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

/// The projection divided into partitions, each written by one server:
/// every way of splitting the writing gives the state one writer gives.
@Suite struct PartitionTests {
    /// Everything of a workspace's profiles that a projection computes, in a comparable form.
    func digest(_ projector: ProfileProjector, workspace: WorkspaceID) async -> [String] {
        await projector.digest(workspaceId: workspace)
    }

    func batch(_ ws: String, _ round: Int) -> String {
        // Per round: a sign-up, an anonymous visit, the visitor signing in (a merge), an order by phone.
        #"""
        {"batch":[
          {"type":"identify","userId":"u-\#(round)","messageId":"\#(ws)-\#(round)-a","traits":{"email":"u\#(round)@example.com","city":"上海"}},
          {"type":"track","anonymousId":"anon-\#(round)","messageId":"\#(ws)-\#(round)-b","event":"Product Viewed"},
          {"type":"identify","anonymousId":"anon-\#(round)","userId":"u-\#(round)","messageId":"\#(ws)-\#(round)-c"},
          {"type":"track","userId":"u-\#(round)","messageId":"\#(ws)-\#(round)-d","event":"Order Completed","properties":{"revenue":\#(round * 10),"phone":"1380013800\#(round % 10)"}}
        ]}
        """#
    }

    @Test func everyMemberGetsAnEvenShareAndAllAgree() {
        for members in [["a"], ["a", "b"], ["b", "a", "c"], ["n1", "n2", "n3", "n4"]] {
            for count in 1...9 {
                let shares = members.map { PartitionAssignment.share(of: $0, members: members, count: count) }
                if count == 1 {
                    #expect(shares.allSatisfy { $0 == [0] }, "with one partition every server tries for it")
                    continue
                }
                var seen: [Int] = []
                for s in shares { seen += s }
                #expect(seen.sorted() == Array(0..<count), "each partition to exactly one member: \(members) \(count)")
                let cap = (count + members.count - 1) / members.count
                #expect(shares.allSatisfy { $0.count <= cap && $0.count >= count / members.count }, "\(members) \(count)")
                // The order the members are listed in does not matter.
                #expect(PartitionAssignment.share(of: members[0], members: members.reversed(), count: count) == shares[0])
            }
        }
        #expect(PartitionAssignment.share(of: "a", members: ["a"], count: 4) == [0, 1, 2, 3])
    }

    /// Two writers, each of one partition, flushing at different moments; a
    /// projection loaded from what they stored (partitions at different
    /// checkpoints) and caught up equals one that projected the whole log in
    /// memory, and both writers' in-memory states equal it too.
    @Test func writersOfPartitionsStoreWhatOneWriterComputes() async throws {
        let dir = temporaryDirectory()
        let store = try SQLiteStore(directory: dir, durability: .normal)
        let engine = Engine(store: store, clock: FixedClock(millis: 1_750_000_000_000))
        let (one, c1) = try await engine.setUp(workspaceName: "one")
        let (two, c2) = try await engine.setUp(workspaceName: "two")
        let keys = [try #require(c1?.writeKeys["web"]), try #require(c2?.writeKeys["web"])]
        try await store.repartitionProjection(count: 2, checkpoint: 0)
        let p1 = ProjectionPartitions.partition(of: one.id, count: 2), p2 = ProjectionPartitions.partition(of: two.id, count: 2)
        #expect(p1 != p2)

        let reference = ProfileProjector(store: store)  // never flushes: the whole log, in memory
        let w1 = ProfileProjector(store: store), w2 = ProfileProjector(store: store)
        for p in [reference, w1, w2] { try await p.load() }
        try await w1.setWriting([p1])
        try await w2.setWriting([p2])
        #expect(await w1.partitionCount == 2)

        func append(_ round: Int) async throws {
            for (i, key) in keys.enumerated() {
                let source = try #require(engine.source(forWriteKey: key))
                let decoded = try engine.decoder.decode(body: Array(batch(i == 0 ? "one" : "two", round).utf8),
                                                        endpoint: .batch, receivedAt: 1_750_000_000_000)
                _ = try await store.append(decoded.accepted.map {
                    EventToAppend(workspaceId: source.workspaceId, sourceId: source.id, message: $0)
                })
            }
            for p in [reference, w1, w2] { try await p.catchUp() }
        }
        try await append(1)
        try await w1.flush()
        try await append(2)
        try await w2.flush()
        try await append(3)
        try await w1.flush()
        let stored = try await store.projectionCheckpoints()
        let end = try await store.lastSeq()
        #expect(stored[p1] == end && stored[p2] < end, "the partitions were flushed at different moments: \(stored)")

        let loaded = ProfileProjector(store: store)
        try await loaded.load()
        #expect(await loaded.applied == stored.min())
        // Segments over the events, defined while the partitions are apart: the index holds the events
        // the load passed over (from the loaded timelines), and members are those of one moment.
        let segments = [
            SegmentDefinition(name: "buyers", condition: try Condition.parse(#"did "Order Completed""#)),
            SegmentDefinition(name: "big", condition: try Condition.parse(#"count "Order Completed" >= 1 and did "Product Viewed""#)),
        ]
        for ws in [one.id, two.id] {
            try await reference.define(workspaceId: ws, segments: segments, traits: [])
            try await loaded.define(workspaceId: ws, segments: segments, traits: [])
        }
        // Evaluated once every partition had reached its loaded checkpoint, not before.
        #expect(await loaded.applied == end)
        for ws in [one.id, two.id] {
            #expect(await loaded.segmentMembers(workspaceId: ws, segment: "buyers")
                    == (await reference.segmentMembers(workspaceId: ws, segment: "buyers")))
        }
        try await loaded.catchUp()
        for ws in [one.id, two.id] {
            for segment in ["buyers", "big"] {
                let expected = await reference.segmentMembers(workspaceId: ws, segment: segment)
                #expect(expected?.count == 3, "one buyer per round")
                #expect(await loaded.segmentMembers(workspaceId: ws, segment: segment) == expected, "\(ws) \(segment)")
            }
        }
        for ws in [one.id, two.id] {
            let expected = await digest(reference, workspace: ws)
            #expect(expected.count == 6, "three people and three visitors merged into them")
            #expect(await digest(loaded, workspace: ws) == expected)
            #expect(await digest(w1, workspace: ws) == expected)
            #expect(await digest(w2, workspace: ws) == expected)
        }
        // Ids are numbered per workspace, from the workspace's id times 2³².
        let ids = try await store.loadProjection().profiles.map(\.id.rawValue)
        #expect(ids.allSatisfy { $0 > 1 << 32 })
        for (ws, p) in [(one.id, p1), (two.id, p2)] {
            let theirs = try await store.loadProjection().profiles.filter { $0.workspaceId == ws }.map(\.id.rawValue)
            #expect(theirs.allSatisfy { $0 / (1 << 32) == ws })
            #expect(!theirs.isEmpty, "partition \(p) stored its workspace's profiles")
        }
        // What a writer does not write, it never stores: partition p2's last round is not stored yet.
        try await w1.flush()
        #expect(try await store.projectionCheckpoints()[p2] == stored[p2])
        let storedTwo = try await store.loadProjection().profiles.filter { $0.workspaceId == two.id }
        #expect(storedTwo.reduce(0) { $0 + $1.aggregates.eventCount } == 8, "two rounds of four events, not three")

        // One projector writing both, loaded with the partitions apart: a flush part-way moves the one
        // behind and leaves the one ahead where it is (a checkpoint never goes back).
        let both = ProfileProjector(store: store)
        try await both.load()
        try await both.catchUp(through: stored[p2] + 2)
        try await both.flush()
        #expect(try await store.projectionCheckpoints()[p1] == end)
        #expect(try await store.projectionCheckpoints()[p2] == stored[p2] + 2)
        try await both.catchUp()
        try await both.flush()
        #expect(try await store.projectionCheckpoints() == [end, end])
        let reloaded = ProfileProjector(store: store)
        try await reloaded.load()
        for ws in [one.id, two.id] {
            #expect(await digest(reloaded, workspace: ws) == (await digest(reference, workspace: ws)))
        }
    }

    /// Ids of one sequence and ids of workspace runs live side by side in the table.
    @Test func theProfileTableHoldsOneSequenceAndWorkspaceRuns() {
        var table = ProfileTable()
        let ids = [ProfileID(1), ProfileID(7), ProfileID((1 << 32) + 1), ProfileID((1 << 32) + 3),
                   ProfileID((5 << 32) + 2), ProfileID((1 << 31) + 9)]
        for id in ids { table[id] = ProfileNode(record: ProfileRecord(id: id, workspaceId: id.rawValue >> 32, createdAt: 1)) }
        #expect(table.count == ids.count)
        #expect(Set(table.ids) == Set(ids))
        #expect(table.ids.prefix(5) == [ProfileID(1), ProfileID(7), ProfileID((1 << 32) + 1), ProfileID((1 << 32) + 3),
                                        ProfileID((5 << 32) + 2)], "one sequence first, then the runs in order")
        _ = table.update(ProfileID((1 << 32) + 3)) { $0.record.mergedInto = ProfileID((1 << 32) + 1) }
        #expect(table.mergedInto(ProfileID((1 << 32) + 3)) == ProfileID((1 << 32) + 1))
        #expect(!table.isLive(ProfileID((1 << 32) + 3)) && table.isLive(ProfileID((1 << 32) + 1)))
        #expect(table[ProfileID((1 << 32) + 2)] == nil && !table.isLive(ProfileID((2 << 32) + 1)))
        #expect(table.update(ProfileID((9 << 32) + 1)) { _ in true } == nil)
        table[ProfileID((5 << 32) + 2)] = nil
        #expect(table.count == ids.count - 1 && table[ProfileID((5 << 32) + 2)] == nil)
        #expect(table.isLive(ProfileID((1 << 31) + 9)), "an id past the dense range is kept too")
    }

    /// Servers share the partitions out: one alone writes both, a second
    /// that starts takes its share (the first flushes and hands it over),
    /// and when one stops, the other writes everything again. Both serve the
    /// same profiles throughout.
    @Test func serversShareThePartitionsAndTakeOverEachOthers() async throws {
        let dir = temporaryDirectory()
        let a = Engine(store: try SQLiteStore(directory: dir, durability: .normal))
        let (one, c1) = try await a.setUp(workspaceName: "one")
        let (two, c2) = try await a.setUp(workspaceName: "two")
        let keys = [try #require(c1?.writeKeys["web"]), try #require(c2?.writeKeys["web"])]
        let repartition = try await a.repartitionProjection(count: 2)
        #expect(repartition.from == 1 && repartition.to == 2)
        let b = Engine(store: try SQLiteStore(directory: dir, durability: .normal))
        _ = try await b.setUp(workspaceName: "one")
        let multi = MultiNodeTests()
        func send(_ engine: Engine, _ round: Int) async throws {
            for (i, key) in keys.enumerated() {
                _ = try await engine.ingest(body: Array(batch(i == 0 ? "one" : "two", round).utf8), endpoint: .batch,
                                            headerKey: key)
            }
        }
        func settled(_ engines: [Engine]) async throws {
            let last = try await a.store.lastSeq()
            for e in engines { try await multi.eventually("the log is applied") { await e.projector.applied >= last } }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await a.writer.run() }
            group.addTask { try await a.projection.run() }
            try await multi.eventually("a alone writes both partitions") { a.projection.writtenPartitions == [0, 1] }
            try await send(a, 1)
            group.addTask { try await b.writer.run() }
            group.addTask { try await b.projection.run() }
            try await multi.eventually("b takes its share") {
                b.projection.writtenPartitions.count == 1 && a.projection.writtenPartitions.count == 1
            }
            #expect(a.projection.writtenPartitions.isDisjoint(with: b.projection.writtenPartitions))
            try await send(b, 2)
            try await send(a, 3)
            try await settled([a, b])
            for ws in [one.id, two.id] {
                #expect(await digest(a.projector, workspace: ws) == (await digest(b.projector, workspace: ws)))
            }
            let end = try await a.store.lastSeq()
            try await multi.eventually("each writer flushes its partition", within: 20) {
                try await a.store.projectionCheckpoints().allSatisfy { $0 >= end }
            }

            a.projection.stop()
            a.writer.close()
            try await multi.eventually("b writes both again") { b.projection.writtenPartitions == [0, 1] }
            try await send(b, 4)
            try await settled([b])
            let last = try await b.store.lastSeq()
            try await multi.eventually("b flushes both", within: 20) {
                try await b.store.projectionCheckpoints().allSatisfy { $0 >= last }
            }
            // What is stored, loaded and caught up, is what b computed.
            let loaded = ProfileProjector(store: b.store)
            try await loaded.load()
            try await loaded.catchUp()
            for ws in [one.id, two.id] {
                let expected = await digest(b.projector, workspace: ws)
                #expect(expected.count == 8)
                #expect(await digest(loaded, workspace: ws) == expected)
            }
            b.projection.stop()
            b.writer.close()
            try await group.waitForAll()
        }
    }

    /// A second workspace gets its own administrator; the first keeps `admin`.
    @Test func aSecondWorkspaceHasItsOwnAdministrator() async throws {
        let engine = Engine(store: try SQLiteStore(directory: temporaryDirectory(), durability: .normal))
        let (one, c1) = try await engine.setUp(workspaceName: "one")
        let (two, c2) = try await engine.setUp(workspaceName: "two")
        #expect(c1?.adminUser == "admin" && c2?.adminUser == "admin@two")
        let (p1, p2) = (try #require(c1?.adminPassword), try #require(c2?.adminPassword))
        let first = try await engine.login(username: "admin", password: p1)
        let second = try await engine.login(username: "admin@two", password: p2)
        #expect(first?.workspaceId == one.id && second?.workspaceId == two.id)
        #expect(try await engine.login(username: "admin", password: p2) == nil)
    }

    /// A repartition needs every partition's lease: not while a server writes.
    @Test func repartitioningWaitsForTheServersToStop() async throws {
        let (engine, key, _) = try await makeEngine()
        try await engine.send(#"{"batch":[{"type":"identify","userId":"u-1","messageId":"r1"}]}"#, key: key)
        let now = engine.clock.nowMillis()
        #expect(try await engine.store.acquireLease(name: ProjectionService.leaseName, owner: "server", now: now,
                                                    until: now + 10_000))
        let refused = await #expect(throws: RapportError.self) { try await engine.repartitionProjection(count: 4) }
        #expect(refused?.code == .conflict)
        #expect(try await engine.store.projectionCheckpoints().count == 1)
        try await engine.store.releaseLease(name: ProjectionService.leaseName, owner: "server")
        let done = try await engine.repartitionProjection(count: 4)
        #expect(done.checkpoint == 1)
        #expect(try await engine.store.projectionCheckpoints() == [1, 1, 1, 1])
        #expect(try await engine.store.leases(now: now).isEmpty, "the command gave its leases back")
        let invalid = await #expect(throws: RapportError.self) { try await engine.repartitionProjection(count: 0) }
        #expect(invalid?.code == .invalidArgument)
    }
}

extension ProfileProjector {
    /// Each profile of a workspace: its id, whom it is merged into, its event
    /// count and timeline, and its identifiers; sorted.
    func digest(workspaceId: WorkspaceID) -> [String] {
        var out: [String] = []
        for (id, node) in graph.nodes where node.record.workspaceId == workspaceId {
            let identifiers = node.identifiers.map(\.identifier.description).sorted().joined(separator: ",")
            out.append("\(id.rawValue) into:\(node.record.mergedInto?.rawValue ?? 0) events:\(node.record.aggregates.eventCount) "
                       + "\(node.events) revenue:\(node.record.aggregates.revenue) [\(identifiers)]")
        }
        return out.sorted()
    }
}
