import Foundation
import RapportCore
import RapportPostgres
import RapportStore
import Testing

/// What every store does the same way, whichever database holds it.
@Suite struct StoreConformanceTests {
    @Test(arguments: Backend.all)
    func appendAssignsIncreasingPositionsAndDedupes(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            let ws = try await store.createWorkspace(name: "w")
            let src = try await store.createSource(workspaceId: ws.id, name: "web")
            #expect(src.id >= 1, "source 0 is Rapport's own")
            let first = try await store.append([
                EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("a")),
                EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("b")),
            ])
            #expect(first == [1, 2])
            // A retry of "a" in the same batch as a new "c": only "c" is stored.
            let second = try await store.append([
                EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("a")),
                EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("c")),
                EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("c")),
            ])
            #expect(second == [nil, 3, nil])
            // The same messageId from another source is another message.
            let other = try await store.createSource(workspaceId: ws.id, name: "app")
            let third = try await store.append([EventToAppend(workspaceId: ws.id, sourceId: other.id, message: message("a"))])
            #expect(third == [4])
            let events = try await store.events(after: 1, limit: 10)
            #expect(events.map(\.seq) == [2, 3, 4])
            #expect(events.first?.messageId == "b")
            #expect(events.first?.body == message("b").body)
            #expect(events.first?.name == "Viewed")
            #expect(events.first?.timestamp == message("b").timestamp)
            #expect(try await store.lastSeq() == 4)
            #expect(try await store.containsMessage(sourceId: src.id, messageId: "c"))
            #expect(try await !store.containsMessage(sourceId: src.id, messageId: "zzz"))
            #expect(try await store.append([]) == [])
        }
    }

    @Test(arguments: Backend.all)
    func eventsSurviveReopening(_ backend: Backend) async throws {
        let place = Place(backend)
        try await place.open { store in
            let ws = try await store.createWorkspace(name: "w")
            let src = try await store.createSource(workspaceId: ws.id, name: "web")
            _ = try await store.append((0..<100).map {
                EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("m\($0)"))
            })
        }
        try await place.open { reopened throws in
            #expect(try await reopened.lastSeq() == 100)
            #expect(try await reopened.events(after: 0, limit: 1000).map(\.messageId) == (0..<100).map { "m\($0)" })
            #expect(try await reopened.workspaces().map(\.name) == ["w"])
        }
    }

    @Test(arguments: Backend.all)
    func positionsAreReadAcrossBlocks(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            let ws = try await store.createWorkspace(name: "w")
            let src = try await store.createSource(workspaceId: ws.id, name: "web")
            // 300 events of ~1 KB: about ten blocks of 32 KiB, in two commits.
            let ids = (0..<300).map { "e\($0)" }
            _ = try await store.append(events(Array(ids[0..<150]), source: src.id, workspace: ws.id, padding: 1_000))
            _ = try await store.append(events(Array(ids[150...]), source: src.id, workspace: ws.id, padding: 1_000))
            #expect(try await store.lastSeq() == 300)
            let all = try await store.events(after: 0, limit: 1_000)
            #expect(all.map(\.seq) == Array(1...300))
            #expect(all.map(\.messageId) == ids)
            let page = try await store.events(after: 95, limit: 70)
            #expect(page.map(\.seq) == Array(96...165))
            #expect(try await store.events(after: 300, limit: 10).isEmpty)
            #expect(try await store.events(after: 10, limit: 0).isEmpty)
            let picked = try await store.events(at: [300, 1, 33, 34, 151, 999, -4, 1])
            #expect(picked.map(\.seq) == [1, 33, 34, 151, 300])
            #expect(picked.map(\.messageId) == ["e0", "e32", "e33", "e150", "e299"])
        }
    }

    /// A batch mixing workspaces keeps its order in the log.
    @Test(arguments: Backend.all)
    func aBatchAcrossWorkspacesKeepsEachWorkspacesOrder(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            let a = try await store.createWorkspace(name: "a")
            let b = try await store.createWorkspace(name: "b")
            let sa = try await store.createSource(workspaceId: a.id, name: "web")
            let sb = try await store.createSource(workspaceId: b.id, name: "web")
            let batch = [
                EventToAppend(workspaceId: b.id, sourceId: sb.id, message: message("b1")),
                EventToAppend(workspaceId: a.id, sourceId: sa.id, message: message("a1")),
                EventToAppend(workspaceId: b.id, sourceId: sb.id, message: message("b2")),
                EventToAppend(workspaceId: a.id, sourceId: sa.id, message: message("a2")),
                EventToAppend(workspaceId: b.id, sourceId: sb.id, message: message("b1")),
            ]
            let positions = try await store.append(batch)
            // The caller's order: ids are allocated in log order across workspaces, so it must not change.
            #expect(positions == [1, 2, 3, 4, nil])
            let log = try await store.events(after: 0, limit: 10)
            for (i, p) in positions.enumerated() {
                guard let p else { continue }
                #expect(log.first { $0.seq == p }?.messageId == batch[i].message.messageId)
            }
            #expect(log.filter { $0.workspaceId == a.id }.map(\.messageId) == ["a1", "a2"])
            #expect(log.filter { $0.workspaceId == b.id }.map(\.messageId) == ["b1", "b2"])
        }
    }

    @Test(arguments: Backend.all)
    func retriesAreRecognisedAfterARestartAndFromAnotherProcess(_ backend: Backend) async throws {
        let place = Place(backend)
        let clock = TestClock()
        try await place.open(clock: clock) { a in
            let ws = try await a.createWorkspace(name: "w")
            let src = try await a.createSource(workspaceId: ws.id, name: "web")
            #expect(try await a.append(events(["x", "y"], source: src.id)) == [1, 2])
            // Another process on the same data (a CLI import while the server runs, another node).
            try await place.open(clock: clock) { b throws in
                #expect(try await b.append(events(["y", "z"], source: src.id)) == [nil, 3])
                #expect(try await a.append(events(["z", "w", "x"], source: src.id)) == [nil, 4, nil])
                #expect(try await b.append(events(["w", "v"], source: src.id)) == [nil, 5])
                #expect(try await a.containsMessage(sourceId: src.id, messageId: "v"))
            }
        }
        // Without a dedupe window, ids are remembered for ever: an import run again years later changes nothing.
        clock.advance(3 * 365 * 86_400_000)
        try await place.open(clock: clock) { reopened in
            let src = try #require(try await reopened.sources(workspaceId: 1).first)
            #expect(try await reopened.append(events(["v", "x", "u", "u"], source: src.id)) == [nil, nil, 6, nil])
            #expect(try await reopened.events(after: 0, limit: 10).map(\.messageId) == ["x", "y", "z", "w", "v", "u"])
        }
    }

    /// Appends from two stores on the same data at once: every position is
    /// handed out once, with no gaps, and a message sent to both is stored once.
    @Test(arguments: Backend.all)
    func concurrentAppendersShareOnePositionSequence(_ backend: Backend) async throws {
        let place = Place(backend)
        let src = try await place.open { store in
            let ws = try await store.createWorkspace(name: "w")
            return try await store.createSource(workspaceId: ws.id, name: "web")
        }
        try await place.open { a in
            try await place.open { b in
                let stores: [any RapportStore] = [a, b]
                let results = try await withThrowingTaskGroup(of: [(String, Int64?)].self) { group in
                    for (n, store) in stores.enumerated() {
                        group.addTask {
                            var out: [(String, Int64?)] = []
                            for round in 0..<20 {
                                // Half of each batch is the same on both stores.
                                let ids = (0..<10).map { "own-\(n)-\(round)-\($0)" } + (0..<10).map { "both-\(round)-\($0)" }
                                let positions = try await store.append(events(ids, source: src.id))
                                out.append(contentsOf: zip(ids, positions).map { ($0, $1) })
                            }
                            return out
                        }
                    }
                    var all: [(String, Int64?)] = []
                    for try await r in group { all += r }
                    return all
                }
                let stored = results.compactMap { $0.1 }
                #expect(stored.count == 600, "400 own messages and 200 shared ones, each once")
                #expect(stored.sorted() == Array(1...600))
                let sharedStored = results.filter { $0.0.hasPrefix("both-") && $0.1 != nil }.map(\.0)
                #expect(Set(sharedStored).count == 200 && sharedStored.count == 200)
                let log = try await a.events(after: 0, limit: 1_000)
                #expect(log.map(\.seq) == Array(1...600))
                #expect(Set(log.map(\.messageId)).count == 600)
                #expect(try await b.lastSeq() == 600)
            }
        }
    }

    @Test(arguments: Backend.all)
    func theDedupeWindowForgetsOnlyAfterTheWindow(_ backend: Backend) async throws {
        let place = Place(backend)
        let clock = TestClock()
        let hour: Int64 = 3_600_000
        try await place.open(dedupeWindow: 10 * hour, clock: clock) { store in
            let ws = try await store.createWorkspace(name: "w")
            let src = try await store.createSource(workspaceId: ws.id, name: "web")
            _ = try await store.append(events(["old"], source: src.id))
            clock.advance(9 * hour)
            #expect(try await store.append(events(["old", "mid"], source: src.id)) == [nil, 2])
            clock.advance(2 * hour)  // "old" is 11 hours old: the window rotates, it is still remembered
            #expect(try await store.append(events(["old", "new"], source: src.id)) == [nil, 3])
            clock.advance(10 * hour)  // 21 hours: a second rotation drops it
            #expect(try await store.append(events(["mid"], source: src.id)) == [nil])
            #expect(try await store.append(events(["old"], source: src.id)) == [4])
            // containsMessage looks past the window, in the blocks.
            clock.advance(30 * hour)
            _ = try await store.append(events(["later"], source: src.id))
            clock.advance(30 * hour)
            _ = try await store.append(events(["latest"], source: src.id))
            #expect(try await store.containsMessage(sourceId: src.id, messageId: "new"))
            #expect(try await !store.containsMessage(sourceId: src.id, messageId: "never"))
        }
        // At start-up only the blocks appended within the window are read back.
        try await place.open(dedupeWindow: 10 * hour, clock: clock) { reopened throws in
            #expect(try await reopened.append(events(["latest", "later", "new"], source: 1)) == [nil, 7, 8])
        }
    }

    /// A NUL character in a logged name (the decoder refuses it now; older
    /// logs may hold it) is stored, counted and read back.
    @Test(arguments: Backend.all)
    func aNulCharacterInOldDataIsStored(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            var m = message("n\u{0}1")
            m.event = "Viewed\u{0}"
            #expect(try await store.append([EventToAppend(workspaceId: 1, sourceId: 1, message: m)]) == [1])
            #expect(try await store.events(after: 0, limit: 1).first?.messageId == "n\u{0}1")
            #expect(try await store.stats(workspaceId: 1).events == 1)
            var delta = ProjectionDelta(checkpoint: 1)
            delta.warnings = [IdentityWarningRecord(workspaceId: 1, seq: 1, messageId: "n\u{0}1", identifier: "email:\u{0}",
                                                    code: "invalid", detail: "d", at: 1)]
            try await store.saveProjection(delta)
            #expect(try await store.identityWarnings(workspaceId: 1, limit: 5).count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func statisticsComeFromTheCountsKeptOnAppend(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            let ws = try await store.createWorkspace(name: "w")
            let web = try await store.createSource(workspaceId: ws.id, name: "web")
            let app = try await store.createSource(workspaceId: ws.id, name: "app")
            let day: Int64 = 86_400_000
            let now: Int64 = 20_000 * day + 5_000
            func at(_ id: String, _ t: Int64, source: SourceID, type: MessageType = .track) -> EventToAppend {
                var m = message(id, ts: t)
                m.type = type
                if type != .track { m.event = nil }
                return EventToAppend(workspaceId: ws.id, sourceId: source, message: m)
            }
            _ = try await store.append([
                at("a", now, source: web.id), at("b", now - 1, source: web.id), at("c", now - day, source: app.id),
                at("d", now - 10 * day, source: app.id, type: .page), at("a", now, source: web.id),
            ])
            _ = try await store.append([at("e", now, source: app.id, type: .identify)])
            _ = try await store.append([EventToAppend(workspaceId: ws.id, sourceId: RapportSource.id,
                                                      message: message("s", ts: now))])
            let stats = try await store.stats(workspaceId: ws.id)
            #expect(stats.events == 6)
            #expect(stats.eventsByType == ["Viewed": 4, "page": 1, "identify": 1])
            #expect(stats.eventsBySource == ["web": 2, "app": 3, "rapport": 1])
            #expect(stats.lastSeq == 6)
            let daily = try await store.dailyCounts(workspaceId: ws.id, days: 3, now: now)
            #expect(daily.map { "\($0.day) \($0.source) \($0.count)" } == [
                "2024-10-03 app 1", "2024-10-04 app 1", "2024-10-04 rapport 1", "2024-10-04 web 2",
            ])
            #expect(try await store.stats(workspaceId: ws.id + 1).events == 0)
            #expect(try await store.stats(workspaceId: nil).events == 6)
        }
    }

    @Test(arguments: Backend.all)
    func projectionStateRoundTrips(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            var delta = ProjectionDelta(checkpoint: 42)
            var agg = ProfileAggregates()
            agg.eventCount = 3
            agg.firstSeen = 10
            agg.lastSeen = 30
            agg.orders = 1
            agg.revenue = 12.5
            agg.eventCounts = ["Order Completed": 1, "page": 2]
            delta.profiles = [
                ProfileRecord(id: ProfileID(1), workspaceId: 1, createdAt: 10, aggregates: agg,
                              traits: ["city": TraitValue(value: .string("上海"), setAt: 20, seq: 3)]),
                ProfileRecord(id: ProfileID(2), workspaceId: 1, createdAt: 11, mergedInto: ProfileID(1)),
            ]
            delta.identities = [
                IdentityRecord(workspaceId: 1, identifier: Identifier(kind: "phone", value: "+8613800138000"),
                               profileId: ProfileID(1), firstSeen: 12),
                IdentityRecord(workspaceId: 1, identifier: Identifier(kind: "email", value: "a@b.com"),
                               profileId: ProfileID(1), firstSeen: 10),
            ]
            delta.merges = [MergeRecord(id: 1, workspaceId: 1, from: ProfileID(2), into: ProfileID(1),
                                        identifier: "email:a@b.com", messageId: "m", seq: 7, at: 10)]
            delta.warnings = [
                IdentityWarningRecord(workspaceId: 1, seq: 5, messageId: "m5", identifier: "email:x", code: "invalid",
                                      detail: "first", at: 1),
                IdentityWarningRecord(workspaceId: 1, seq: 6, messageId: "m6", identifier: "email:y", code: "invalid",
                                      detail: "second", at: 2),
            ]
            delta.profileEvents = [(ProfileID(1), 5), (ProfileID(2), 3), (ProfileID(1), 7)]
            delta.mergeBlocks = [(1, ProfileID(9), ProfileID(4))]
            try await store.saveProjection(delta)
            // A second flush: a profile changes, a merge is undone, an identifier is added.
            var next = ProjectionDelta(checkpoint: 50)
            var changed = agg
            changed.eventCount = 4
            next.profiles = [ProfileRecord(id: ProfileID(2), workspaceId: 1, createdAt: 11, aggregates: changed)]
            next.merges = [MergeRecord(id: 1, workspaceId: 1, from: ProfileID(2), into: ProfileID(1),
                                       identifier: "email:a@b.com", messageId: "m", seq: 7, at: 10, undoneAt: 99,
                                       undoneBy: "admin")]
            next.identities = [IdentityRecord(workspaceId: 1, identifier: Identifier(kind: "wechat", value: "o_ab"),
                                              profileId: ProfileID(2), firstSeen: 9)]
            next.profileEvents = [(ProfileID(2), 49)]
            try await store.saveProjection(next)

            let snap = try await store.loadProjection()
            #expect(snap.checkpoint == 50)
            let p1 = try #require(snap.profiles.first { $0.id == ProfileID(1) })
            #expect(p1.aggregates == agg)
            #expect(p1.traits["city"] == TraitValue(value: .string("上海"), setAt: 20, seq: 3))
            let p2 = try #require(snap.profiles.first { $0.id == ProfileID(2) })
            #expect(p2.mergedInto == nil && p2.aggregates.eventCount == 4)
            // Identifiers come back in the order they were appended, flush after flush.
            #expect(snap.identities.map(\.identifier.value) == ["+8613800138000", "a@b.com", "o_ab"])
            #expect(snap.merges.count == 1)
            #expect(snap.merges.first?.undoneAt == 99 && snap.merges.first?.undoneBy == "admin")
            #expect(snap.mergeBlocks.map { [$0.0, $0.1.rawValue, $0.2.rawValue] } == [[1, 4, 9]])
            var owners: [(ProfileID, Int64)] = []
            for blob in snap.eventOwners { EventOwnerCoding.decode(blob) { owners.append(($0, $1)) } }
            #expect(owners.map(\.0) == [ProfileID(2), ProfileID(1), ProfileID(1), ProfileID(2)])
            #expect(owners.map(\.1) == [3, 5, 7, 49])
            let warnings = try await store.identityWarnings(workspaceId: 1, limit: 10)
            #expect(warnings.map(\.detail) == ["second", "first"])
            #expect(try await store.identityWarnings(workspaceId: 1, limit: 1).count == 1)
            let stats = try await store.stats(workspaceId: 1)
            #expect(stats.profiles == 2 && stats.liveProfiles == 2)
            #expect(stats.identifiersByKind == ["email": 1, "phone": 1, "wechat": 1])
            #expect(stats.merges == 1 && stats.undoneMerges == 1 && stats.identityWarnings == 2)
            #expect(stats.orders == 2 && stats.revenue == 25)
            #expect(stats.checkpoint == 50)
        }
    }

    /// A save that says which checkpoint it started from is refused if the
    /// store's is another: a writer that lost its lease cannot write over
    /// the one that took it.
    @Test(arguments: Backend.all)
    func aProjectionSaveIsFencedByTheCheckpointItStartedFrom(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            var first = ProjectionDelta(checkpoint: 10)
            first.expectedCheckpoint = 0
            first.profiles = [ProfileRecord(id: ProfileID(1), workspaceId: 1, createdAt: 1)]
            try await store.saveProjection(first)
            var stale = ProjectionDelta(checkpoint: 12)
            stale.expectedCheckpoint = 0
            stale.profiles = [ProfileRecord(id: ProfileID(1), workspaceId: 1, createdAt: 99)]
            let error = await #expect(throws: RapportError.self) { try await store.saveProjection(stale) }
            #expect(error?.code == .conflict)
            var next = ProjectionDelta(checkpoint: 20)
            next.expectedCheckpoint = 10
            try await store.saveProjection(next)
            let snap = try await store.loadProjection()
            #expect(snap.checkpoint == 20 && snap.profiles.map(\.createdAt) == [1])
        }
    }

    @Test(arguments: Backend.all)
    func leasesAreExclusiveUntilTheyExpire(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            #expect(try await store.acquireLease(name: "p", owner: "a", now: 0, until: 100))
            #expect(try await !store.acquireLease(name: "p", owner: "b", now: 50, until: 150))
            #expect(try await store.acquireLease(name: "p", owner: "a", now: 60, until: 160))
            #expect(try await store.acquireLease(name: "p", owner: "b", now: 161, until: 300))
            #expect(try await !store.acquireLease(name: "p", owner: "a", now: 170, until: 400))
            try await store.releaseLease(name: "p", owner: "a")  // not a's: nothing happens
            #expect(try await !store.acquireLease(name: "p", owner: "c", now: 170, until: 300))
            try await store.releaseLease(name: "p", owner: "b")
            #expect(try await store.acquireLease(name: "p", owner: "c", now: 170, until: 300))
            #expect(try await store.acquireLease(name: "q", owner: "a", now: 170, until: 300))
            #expect(try await store.leases(now: 200) == [
                LeaseRecord(name: "p", owner: "c", expiresAt: 300), LeaseRecord(name: "q", owner: "a", expiresAt: 300),
            ])
            #expect(try await store.leases(now: 301).isEmpty, "expired leases are not listed")
        }
    }

    /// Each partition of the projection has its own checkpoint and fence; a
    /// repartition needs every partition at one checkpoint, and refuses
    /// writers of the old count afterwards.
    @Test(arguments: Backend.all)
    func partitionsHaveTheirOwnCheckpointsAndFences(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            #expect(try await store.projectionCheckpoints() == [0])
            try await store.repartitionProjection(count: 3, checkpoint: 0)
            #expect(try await store.projectionCheckpoints() == [0, 0, 0])
            func delta(_ partitions: [Int], from expected: Int64, to checkpoint: Int64, count: Int = 3,
                       profile: Int64? = nil, workspace: WorkspaceID = 1) -> ProjectionDelta {
                var d = ProjectionDelta(checkpoint: checkpoint)
                d.partitions = partitions
                d.partitionCount = count
                d.expectedCheckpoint = expected
                if let profile { d.profiles = [ProfileRecord(id: ProfileID(profile), workspaceId: workspace, createdAt: 1)] }
                return d
            }
            // Partition 1's writer flushes through 10; the others are where they were.
            try await store.saveProjection(delta([1], from: 0, to: 10, profile: 4_294_967_297))
            var snap = try await store.loadProjection()
            #expect(snap.partitionCheckpoints == [0, 10, 0] && snap.checkpoint == 0)
            #expect(snap.profiles.map(\.id) == [ProfileID(4_294_967_297)])
            #expect(try await store.stats(workspaceId: nil).checkpoint == 0, "projected everywhere up to the lowest")
            // A second writer of partition 1 that started from 0 is fenced; partitions 0 and 2 are not touched by it.
            let fenced = await #expect(throws: RapportError.self) {
                try await store.saveProjection(delta([1], from: 0, to: 12, profile: 9))
            }
            #expect(fenced?.code == .conflict)
            snap = try await store.loadProjection()
            #expect(snap.partitionCheckpoints == [0, 10, 0] && !snap.profiles.contains { $0.id == ProfileID(9) },
                    "a fenced save writes nothing")
            // A writer of another count (the store was repartitioned under it) is refused.
            let stale = await #expect(throws: RapportError.self) {
                try await store.saveProjection(delta([0], from: 0, to: 12, count: 2))
            }
            #expect(stale?.code == .conflict)
            // Not every partition at one checkpoint: no repartition.
            let early = await #expect(throws: RapportError.self) {
                try await store.repartitionProjection(count: 2, checkpoint: 10)
            }
            #expect(early?.code == .conflict)
            try await store.saveProjection(delta([0, 2], from: 0, to: 10, profile: 8_589_934_593, workspace: 2))
            snap = try await store.loadProjection()
            #expect(snap.partitionCheckpoints == [10, 10, 10] && snap.checkpoint == 10)
            try await store.repartitionProjection(count: 2, checkpoint: 10)
            #expect(try await store.projectionCheckpoints() == [10, 10])
            try await store.saveProjection(delta([1], from: 10, to: 15, count: 2))
            #expect(try await store.projectionCheckpoints() == [10, 15])
            // Back to one partition, as before partitions existed.
            try await store.saveProjection(delta([0], from: 10, to: 15, count: 2))
            try await store.repartitionProjection(count: 1, checkpoint: 15)
            #expect(try await store.projectionCheckpoints() == [15])
            var one = ProjectionDelta(checkpoint: 20)
            one.expectedCheckpoint = 15
            try await store.saveProjection(one)
            #expect(try await store.loadProjection().checkpoint == 20)
            for bad in [0, -1, ProjectionPartitions.maximum + 1] {
                let error = await #expect(throws: RapportError.self) {
                    try await store.repartitionProjection(count: bad, checkpoint: 20)
                }
                #expect(error?.code == .invalidArgument)
            }
            #expect(try await store.projectionCheckpoints() == [20])
        }
    }

    @Test(arguments: Backend.all)
    func credentialsAreFoundByHash(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            let ws = try await store.createWorkspace(name: "w")
            let src = try await store.createSource(workspaceId: ws.id, name: "web")
            try await store.addWriteKey(hash: "h1", sourceId: src.id, now: 0)
            let keys = try await store.writeKeys()
            #expect(keys.count == 1 && keys.first?.0 == "h1" && keys.first?.1 == src)
            try await store.addToken(hash: "t1", workspaceId: ws.id, role: .analyst, name: "n", now: 0)
            #expect(try await store.principal(tokenHash: "t1") == Principal(workspaceId: ws.id, role: .analyst, name: "n"))
            #expect(try await store.principal(tokenHash: "nope") == nil)
            try await store.setUser(workspaceId: ws.id, username: "李雷", passwordHash: "p1", role: .operator)
            try await store.setUser(workspaceId: ws.id, username: "李雷", passwordHash: "p2", role: .support)
            let user = try #require(try await store.user(username: "李雷"))
            #expect(user.passwordHash == "p2" && user.principal == Principal(workspaceId: ws.id, role: .support, name: "李雷"))
            #expect(try await store.user(username: "nobody") == nil)
            await #expect(throws: (any Error).self) { try await store.createWorkspace(name: "w") }
            await #expect(throws: (any Error).self) { try await store.createSource(workspaceId: ws.id, name: "web") }
            #expect(try await store.sources(workspaceId: ws.id).map(\.name) == ["web"])
        }
    }

    @Test(arguments: Backend.all)
    func definitionsAreVersionedOnEveryChange(_ backend: Backend) async throws {
        try await Place(backend).open { store in
            let v0 = try await store.definitionsVersion()
            let d = DefinitionRecord(workspaceId: 1, kind: .segment, name: "高价值", body: "revenue > 100",
                                     description: "big spenders", createdAt: 1, updatedAt: 1)
            try await store.saveDefinition(d)
            var changed = d
            changed.body = "revenue > 200"
            changed.createdAt = 5
            changed.updatedAt = 5
            try await store.saveDefinition(changed)
            try await store.saveDefinition(DefinitionRecord(workspaceId: 1, kind: .tag, name: "vip", body: "",
                                                            group: "member_level", createdAt: 2, updatedAt: 2))
            try await store.saveDefinition(DefinitionRecord(workspaceId: 2, kind: .segment, name: "x", body: "true",
                                                            createdAt: 3, updatedAt: 3))
            #expect(try await store.definitionsVersion() == v0 + 4)
            let segments = try await store.definitions(workspaceId: 1, kind: .segment)
            #expect(segments.count == 1)
            #expect(segments.first?.body == "revenue > 200" && segments.first?.createdAt == 1 && segments.first?.updatedAt == 5)
            #expect(try await store.definitions(workspaceId: 1, kind: nil).map(\.name) == ["高价值", "vip"])
            #expect(try await store.definitions(workspaceId: 1, kind: .tag).first?.group == "member_level")
            #expect(try await store.definitions(workspaceId: nil, kind: .segment).count == 2)
            #expect(try await store.deleteDefinition(workspaceId: 1, kind: .segment, name: "高价值"))
            #expect(try await !store.deleteDefinition(workspaceId: 1, kind: .segment, name: "高价值"))
            #expect(try await store.definitionsVersion() == v0 + 5)
        }
    }
}
