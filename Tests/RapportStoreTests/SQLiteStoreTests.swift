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

}

@Suite struct SQLiteBackupTests {
    /// A backup taken while the store runs is a data directory of its own,
    /// frozen at the moment it was taken.
    @Test func aBackupIsAConsistentDataDirectory() async throws {
        let store = try SQLiteStore(directory: temporaryDirectory())
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        _ = try await store.append((0..<3_000).map {
            EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("b\($0)"))
        })
        var delta = ProjectionDelta(checkpoint: 2_000)
        delta.profiles = [ProfileRecord(id: ProfileID(1), workspaceId: ws.id, createdAt: 1)]
        try await store.saveProjection(delta)
        let target = temporaryDirectory() + "/backup"
        let report = try await store.backup(to: target)
        #expect(report.lastSeq == 3_000 && report.checkpoint == 2_000 && report.segmentBytes > 0)
        _ = try await store.append([EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("after"))])
        await #expect(throws: RapportError.self) { try await store.backup(to: target) }
        try await store.close()

        let copy = try SQLiteStore(directory: target)
        #expect(try await copy.lastSeq() == 3_000)
        let events = try await copy.events(after: 0, limit: 10_000)
        #expect(events.map(\.messageId) == (0..<3_000).map { "b\($0)" })
        #expect(try await copy.loadProjection().checkpoint == 2_000)
        #expect(try await copy.workspaces() == [ws])
        // The copy goes on by itself, and dedupes what it holds.
        #expect(try await copy.append([EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("b1")),
                                       EventToAppend(workspaceId: ws.id, sourceId: src.id, message: message("new"))])
                == [nil, 3_001])
        try await copy.close()
    }
}
