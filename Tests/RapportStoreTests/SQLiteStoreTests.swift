import Foundation
import GRDB
import RapportCore
import Testing

@testable import RapportStore

/// A fresh data directory per test.
func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "rapport-store-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func message(_ id: String, user: String? = "u1", ts: Int64 = 1_700_000_000_000, client: Int64? = 1_700_000_000_000)
    -> Message
{
    let body = Array(#"{"type":"track","event":"Viewed","messageId":"\#(id)","userId":"\#(user ?? "")"}"#.utf8)
    return Message(type: .track, messageId: id, userId: user, event: "Viewed", timestamp: ts, clientTimestamp: client,
                   receivedAt: ts + 5, body: body)
}

/// Creates `file` in `dir` as version 1 of `migrator` left it, with `sql` run on it.
func writeVersion1(_ migrator: DatabaseMigrator, file: String, in dir: String, sql: String) async throws {
    let queue = try DatabaseQueue(path: (dir as NSString).appendingPathComponent(file))
    try migrator.migrate(queue, upTo: "v1")
    try await queue.write { db in try db.execute(sql: sql) }
    try queue.close()
}

@Suite struct SQLiteStoreTests {
    @Test func appendAssignsIncreasingPositionsAndDedupes() async throws {
        let store = try SQLiteStore(directory: temporaryDirectory())
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        let first = try await store.append([
            EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("a")),
            EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("b")),
        ])
        #expect(first == [1, 2])
        // A retry of "a" in the same batch as a new "c": only "c" is stored.
        let second = try await store.append([
            EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("a")),
            EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("c")),
        ])
        #expect(second == [nil, 3])
        // The same messageId from another source is another message.
        let other = try await store.createSource(workspaceId: ws.id, name: "app")
        let third = try await store.append([EventToAppend(workspaceId: ws.id, sourceId: other.id, message: message("a"))])
        #expect(third == [4])
        let events = try await store.events(after: 1, limit: 10)
        #expect(events.map(\.seq) == [2, 3, 4])
        #expect(events.first?.messageId == "b")
        #expect(events.first?.body == message("b").body)
        #expect(try await store.lastSeq() == 4)
        #expect(try await store.containsMessage(sourceId: src.id, messageId: "c"))
        #expect(try await !store.containsMessage(sourceId: src.id, messageId: "zzz"))
    }

    @Test func eventsSurviveReopening() async throws {
        let dir = temporaryDirectory()
        do {
            let store = try SQLiteStore(directory: dir)
            let ws = try await store.createWorkspace(name: "w")
            let src = try await store.createSource(workspaceId: ws.id, name: "web")
            _ = try await store.append((0..<100).map {
                EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("m\($0)"))
            })
            try await store.close()
        }
        let reopened = try SQLiteStore(directory: dir)
        #expect(try await reopened.lastSeq() == 100)
        #expect(try await reopened.events(after: 0, limit: 1000).count == 100)
    }

    @Test func projectionStateRoundTrips() async throws {
        let store = try SQLiteStore(directory: temporaryDirectory())
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
            IdentityRecord(workspaceId: 1, identifier: Identifier(kind: "email", value: "a@b.com"),
                           profileId: ProfileID(1), firstSeen: 10)
        ]
        delta.merges = [MergeRecord(id: 1, workspaceId: 1, from: ProfileID(2), into: ProfileID(1),
                                    identifier: "email:a@b.com", messageId: "m", seq: 7, at: 10)]
        delta.profileEvents = [(ProfileID(1), 5), (ProfileID(2), 3), (ProfileID(1), 7)]
        try await store.saveProjection(delta)
        let snap = try await store.loadProjection()
        #expect(snap.checkpoint == 42)
        let p1 = try #require(snap.profiles.first { $0.id == ProfileID(1) })
        #expect(p1.aggregates == agg)
        #expect(p1.traits["city"] == TraitValue(value: .string("上海"), setAt: 20, seq: 3))
        #expect(snap.profiles.first { $0.id == ProfileID(2) }?.mergedInto == ProfileID(1))
        #expect(snap.identities.count == 1)
        #expect(snap.merges.first?.identifier == "email:a@b.com")
        var owners: [(ProfileID, Int64)] = []
        for blob in snap.eventOwners { EventOwnerCoding.decode(blob) { owners.append(($0, $1)) } }
        #expect(owners.map(\.0) == [ProfileID(2), ProfileID(1), ProfileID(1)])
        #expect(owners.map(\.1) == [3, 5, 7])
    }

    @Test func eventOwnerBlobsRoundTripAndRejectGarbage() {
        let pairs: [(ProfileID, Int64)] = [(ProfileID(9), 1 << 40), (ProfileID(1), 1), (ProfileID(300), 128)]
        let blob = EventOwnerCoding.encode(pairs)
        var decoded: [(ProfileID, Int64)] = []
        #expect(EventOwnerCoding.decode(blob) { decoded.append(($0, $1)) })
        #expect(decoded.map(\.1) == [1, 128, 1 << 40])
        #expect(decoded.map(\.0) == [ProfileID(1), ProfileID(300), ProfileID(9)])
        // A truncated varint, an endless one, and a position that overflows stop decoding without trapping.
        var count = 0
        #expect(!EventOwnerCoding.decode(Array(blob.dropLast())) { _, _ in count += 1 })
        #expect(count == 2)
        #expect(!EventOwnerCoding.decode([UInt8](repeating: 0xFF, count: 20)) { _, _ in })
        let huge = EventOwnerCoding.encode([(ProfileID(1), Int64.max)]) + EventOwnerCoding.encode([(ProfileID(1), Int64.max)])
        #expect(!EventOwnerCoding.decode(huge) { _, _ in })
    }

    @Test func version1ProjectionIsMigratedInPlace() async throws {
        let dir = temporaryDirectory()
        // A projection database as version 1 wrote it.
        try await writeVersion1(SQLiteStore.projectionMigrator, file: "projection.sqlite", in: dir, sql: """
                INSERT INTO identities (workspace_id, kind, value, profile_id, first_seen)
                  VALUES (1, 'email', 'a@b.com', 1, 10), (1, 'user_id', 'u1', 1, 5);
                INSERT INTO profile_events (profile_id, seq) VALUES (1, 4), (2, 2), (1, 9);
                INSERT INTO checkpoints (name, seq) VALUES ('profiles', 9);
                """)
        let store = try SQLiteStore(directory: dir)
        let snap = try await store.loadProjection()
        #expect(snap.checkpoint == 9)
        #expect(Set(snap.identities.map(\.identifier.value)) == ["a@b.com", "u1"])
        var owners: [(ProfileID, Int64)] = []
        for blob in snap.eventOwners { EventOwnerCoding.decode(blob) { owners.append(($0, $1)) } }
        #expect(owners.map(\.1) == [2, 4, 9])
        #expect(owners.map(\.0) == [ProfileID(2), ProfileID(1), ProfileID(1)])
        try await store.close()
    }

    @Test func theLogIsCheckpointedIntoItsFileInTheBackground() async throws {
        let dir = temporaryDirectory()
        let store = try SQLiteStore(directory: dir)
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        for batch in 0..<40 {
            _ = try await store.append((0..<1_000).map { i in
                EventToAppend(workspaceId: ws.id, sourceId: src.id,
                              message: message("m\(batch)-\(i)", client: 1_700_000_000_000 + Int64(batch * 1_000 + i)))
            })
        }
        // The blocks' rows (16 bytes of fingerprint an event: 640 KB) were committed to the WAL; SQLite
        // alone would keep them there up to 256 MiB. The checkpointer copies them into the database file
        // (each time about 1 MiB more is committed) while the writer goes on.
        let file = (dir as NSString).appendingPathComponent("rapport.sqlite")
        var size = 0
        for _ in 0..<200 {
            size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
            if size > 400_000 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(size > 400_000)
        try await store.close()
        // Writes after the store closed start no checkpoint on the closed connection.
        store.logCheckpointer.wrote(bytes: 1 << 30)
        store.projectionCheckpointer.wrote(bytes: 1 << 30)
        let reopened = try SQLiteStore(directory: dir)
        #expect(try await reopened.lastSeq() == 40_000)
        try await reopened.close()
    }

    @Test func leasesAreExclusiveUntilTheyExpire() async throws {
        let store = try SQLiteStore(directory: temporaryDirectory())
        #expect(try await store.acquireLease(name: "p", owner: "a", now: 0, until: 100))
        #expect(try await !store.acquireLease(name: "p", owner: "b", now: 50, until: 150))
        #expect(try await store.acquireLease(name: "p", owner: "a", now: 60, until: 160))
        #expect(try await store.acquireLease(name: "p", owner: "b", now: 161, until: 300))
        try await store.releaseLease(name: "p", owner: "b")
        #expect(try await store.acquireLease(name: "p", owner: "c", now: 170, until: 300))
    }

    @Test func credentialsAreFoundByHash() async throws {
        let store = try SQLiteStore(directory: temporaryDirectory())
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        try await store.addWriteKey(hash: "h1", sourceId: src.id, now: 0)
        let keys = try await store.writeKeys()
        #expect(keys.count == 1 && keys.first?.0 == "h1" && keys.first?.1 == src)
        try await store.addToken(hash: "t1", workspaceId: ws.id, role: .analyst, name: "n", now: 0)
        #expect(try await store.principal(tokenHash: "t1") == Principal(workspaceId: ws.id, role: .analyst, name: "n"))
        #expect(try await store.principal(tokenHash: "nope") == nil)
    }
}
