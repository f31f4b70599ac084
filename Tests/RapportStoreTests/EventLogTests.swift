import Foundation
import GRDB
import RapportCore
import Synchronization
import Testing

@testable import RapportStore

/// A clock tests move by hand.
final class TestClock: Sendable {
    let now = Mutex<Int64>(1_700_000_000_000)
    var read: @Sendable () -> Int64 { { [self] in now.withLock { $0 } } }
    func advance(_ ms: Int64) { now.withLock { $0 += ms } }
}

func events(_ ids: [String], source: SourceID, workspace: WorkspaceID = 1, padding: Int = 0) -> [EventToAppend] {
    ids.map { id in
        var m = message(id)
        if padding > 0 {
            m.body = Array(#"{"type":"track","event":"Viewed","messageId":"\#(id)","pad":"\#(String(repeating: "p", count: padding))"}"#.utf8)
        }
        return EventToAppend(workspaceId: workspace, sourceId: source, message: m)
    }
}

@Suite struct EventLogTests {
    @Test func fingerprintsAreXXH64AsPublished() {
        // Vectors from the reference implementation (python-xxhash 3.x).
        func h(_ s: String, _ seed: UInt64) -> UInt64 { Array(s.utf8).withUnsafeBytes { XXH64.hash($0, seed: seed) } }
        #expect(h("", 0) == 0xEF46_DB37_51D8_E999)
        #expect(h("abc", 0) == 0x44BC_2CF5_AD77_0999)
        #expect(h("abc", 1) == 0xBEA9_CA81_9932_8908)
        let long = "0123456789abcdef0123456789abcdef0123456789"
        #expect(h(long, 0) == 0xA761_90C3_ACF0_8A1C)
        #expect(h(long, 0x9E37_79B9_7F4A_7C15) == 0x3862_7FEA_513E_A7A4)
        // The source is part of what is fingerprinted.
        #expect(MessageFingerprint(sourceId: 1, messageId: "a") != MessageFingerprint(sourceId: 2, messageId: "a"))
        #expect(MessageFingerprint(sourceId: 1, messageId: "a") == MessageFingerprint(sourceId: 1, messageId: "a"))
    }

    @Test func blocksRoundTripAndDamageNeverTraps() throws {
        var m = message("m-1")
        m.timestamp = -86_400_001  // before 1970
        let block = events(["m-0"], source: 3, workspace: 2) + [EventToAppend(workspaceId: 2, sourceId: 3, message: m)]
        var bytes: [UInt8] = []
        for e in block { LogBlock.append(e, to: &bytes) }
        var out: [StoredEvent] = []
        #expect(bytes.withUnsafeBytes { LogBlock.decode($0, firstSeq: 41, into: &out) { _ in true } })
        #expect(out.map(\.seq) == [41, 42])
        #expect(out.map(\.messageId) == ["m-0", "m-1"])
        #expect(out.last?.timestamp == -86_400_001)
        #expect(out.last?.body == m.body)
        #expect(out.first?.workspaceId == 2 && out.first?.sourceId == 3 && out.first?.type == .track)
        #expect(out.first?.name == "Viewed")
        // Every truncation decodes what came before the damage and reports it.
        var one: [UInt8] = []
        LogBlock.append(block[0], to: &one)  // trap-ok: two events
        for cut in 0..<bytes.count {
            var partial: [StoredEvent] = []
            let ok = Array(bytes[0..<cut]).withUnsafeBytes { LogBlock.decode($0, firstSeq: 1, into: &partial) { _ in true } }
            #expect(ok == (cut == 0 || cut == one.count), "cut at \(cut)")
            #expect(partial.count == (cut < one.count ? 0 : 1))
        }
        // A bad type byte and a length past the end.
        var badType = bytes
        badType[2] = 200
        var none: [StoredEvent] = []
        #expect(!badType.withUnsafeBytes { LogBlock.decode($0, firstSeq: 1, into: &none) { _ in true } })
        #expect(!([0x02, 0x02, 0x00, 0x00, 0x00, 0x05, 0x61, 0x62] as [UInt8]).withUnsafeBytes {
            LogBlock.decode($0, firstSeq: 1, into: &none) { _ in true }
        })
        #expect(none.isEmpty)
    }

    /// Commits are cut into blocks of about 32 KiB (reading across them is in StoreConformanceTests).
    @Test func commitsAreCutIntoBlocks() async throws {
        let store = try SQLiteStore(directory: temporaryDirectory())
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        // 300 events of ~1 KB: about ten blocks of 32 KiB, in two commits.
        let ids = (0..<300).map { "e\($0)" }
        _ = try await store.append(events(Array(ids[0..<150]), source: src.id, workspace: ws.id, padding: 1_000))
        _ = try await store.append(events(Array(ids[150...]), source: src.id, workspace: ws.id, padding: 1_000))
        let blocks = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM log_blocks") }
        #expect((blocks ?? 0) >= 8)
        #expect(try await store.lastSeq() == 300)
        try await store.close()
    }

    @Test func blocksAreWrittenToSegmentsThatRollOver() async throws {
        let dir = temporaryDirectory()
        // Segments of 64 KiB: 600 events of ~1 KB fill about ten.
        let store = try SQLiteStore(directory: dir, segmentBytes: 64 * 1024)
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        let ids = (0..<600).map { "e\($0)" }
        for part in stride(from: 0, to: 600, by: 100) {
            _ = try await store.append(events(Array(ids[part..<part + 100]), source: src.id, workspace: ws.id,
                                              padding: 1_000))
        }
        try await store.close()
        let files = try FileManager.default.contentsOfDirectory(atPath: (dir as NSString).appendingPathComponent("log"))
        #expect(files.count >= 8)
        #expect(files.contains("000000000001.seg"))
        // Every segment ends past 64 KiB only by its last block (at most 32 KiB plus a record).
        let bounds = try await SQLiteStore(directory: dir, segmentBytes: 64 * 1024).pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT segment, MIN(seg_offset), MAX(seg_offset + seg_length) FROM log_blocks GROUP BY segment
                """).map { (segment: $0[0] as Int64, start: $0[1] as Int64, end: $0[2] as Int64) }
        }
        #expect(bounds.map(\.segment) == Array(1...Int64(bounds.count)))
        #expect(bounds.allSatisfy { $0.start == 0 && $0.end < 64 * 1024 + 34 * 1024 })
        let reopened = try SQLiteStore(directory: dir, segmentBytes: 64 * 1024)
        #expect(try await reopened.events(after: 0, limit: 1_000).map(\.messageId) == ids)
        #expect(try await reopened.events(at: [599, 1, 300]).map(\.messageId) == ["e0", "e299", "e598"])
        try await reopened.close()
    }

    @Test func bytesACrashLeftBehindAreWrittenOver() async throws {
        let dir = temporaryDirectory()
        let store = try SQLiteStore(directory: dir)
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        _ = try await store.append(events(["a", "b"], source: src.id, workspace: ws.id))
        try await store.close()
        // A process that died between writing its bytes and committing them leaves them after the log's end.
        let segment = (dir as NSString).appendingPathComponent("log/000000000001.seg")
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 5_000))
        try handle.close()
        let reopened = try SQLiteStore(directory: dir)
        #expect(try await reopened.append(events(["c", "d"], source: src.id, workspace: ws.id)) == [3, 4])
        #expect(try await reopened.events(after: 0, limit: 10).map(\.messageId) == ["a", "b", "c", "d"])
        try await reopened.close()
    }

    @Test func aTruncatedSegmentIsAnErrorNotATrap() async throws {
        let dir = temporaryDirectory()
        let store = try SQLiteStore(directory: dir)
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        _ = try await store.append(events(["a", "b", "c"], source: src.id, workspace: ws.id, padding: 500))
        try await store.close()
        let segment = (dir as NSString).appendingPathComponent("log/000000000001.seg")
        #expect(truncate(segment, 100) == 0)
        let reopened = try SQLiteStore(directory: dir)
        await #expect(throws: RapportError.self) { try await reopened.events(after: 0, limit: 10) }
        await #expect(throws: RapportError.self) { try await reopened.events(at: [2]) }
        try await reopened.close()
    }

    /// What the dedupe keeps in memory (the behaviour is in StoreConformanceTests): every
    /// fingerprint without a window, only the window's after a restart with one.
    @Test func theDedupeRemembersWhatItsWindowSays() async throws {
        let dir = temporaryDirectory()
        let clock = TestClock()
        let hour: Int64 = 3_600_000
        let store = try SQLiteStore(directory: dir, dedupeWindow: 10 * hour, clock: clock.read)
        let ws = try await store.createWorkspace(name: "w")
        let src = try await store.createSource(workspaceId: ws.id, name: "web")
        _ = try await store.append(events(["a", "b"], source: src.id))
        clock.advance(30 * hour)
        _ = try await store.append(events(["c"], source: src.id))
        try await store.close()
        let windowed = try SQLiteStore(directory: dir, dedupeWindow: 10 * hour, clock: clock.read)
        #expect(windowed.dedupe.count == 1)
        try await windowed.close()
        let forever = try SQLiteStore(directory: dir, clock: clock.read)
        #expect(forever.dedupe.count == 3)
        try await forever.close()
    }

    /// The day of an event for its counts, for any time (the statistics themselves are in StoreConformanceTests).
    @Test func eventCountDaysRoundDown() {
        let day: Int64 = 86_400_000
        #expect(EventCountKey.day(of: 0) == 0)
        #expect(EventCountKey.day(of: day - 1) == 0)
        #expect(EventCountKey.day(of: -1) == -1)
        #expect(EventCountKey.day(of: -day) == -1)
        #expect(EventCountKey.day(of: -day - 1) == -2)
        #expect(EventCountKey.day(of: Int64.min) < 0)
    }
    @Test func version1LogIsMovedIntoBlocks() async throws {
        let dir = temporaryDirectory()
        // A log as version 1 wrote it: a row per event, with a gap at 4.
        try await writeVersion1(SQLiteStore.logMigrator(segments: LogSegments(directory: dir, segmentBytes: 1 << 20, syncEveryWrite: false)), file: "rapport.sqlite", in: dir, sql: """
                INSERT INTO workspaces (id, name) VALUES (1, 'w');
                INSERT INTO sources (id, workspace_id, name) VALUES (1, 1, 'web');
                INSERT INTO events (seq, workspace_id, source_id, client_ts, message_id, type, name, timestamp,
                  received_at, body) VALUES
                  (1, 1, 1, 0, 'm1', 'identify', 'identify', 1000, 1001, X'7B7D'),
                  (2, 1, 1, 0, 'm2', 'track', 'Order Completed', 2000, 2001, X'7B2261223A317D'),
                  (3, 1, 1, 0, 'm3', 'page', 'page', 3000, 3001, X'7B7D'),
                  (5, 1, 1, 0, 'm5', 'track', 'Viewed', 86401000, 86401001, X'7B7D');
                """)
        let store = try SQLiteStore(directory: dir)
        let all = try await store.events(after: 0, limit: 10)
        #expect(all.map(\.seq) == [1, 2, 3, 5])
        #expect(all.map(\.name) == ["identify", "Order Completed", "page", "Viewed"])
        #expect(all.map(\.type) == [.identify, .track, .page, .track])
        #expect(all[1].body == Array(#"{"a":1}"#.utf8))  // trap-ok: four events checked above
        #expect(all.map(\.receivedAt) == [1001, 2001, 3001, 86_401_001])
        #expect(try await store.lastSeq() == 5)
        #expect(try await store.events(at: [5, 4]).map(\.messageId) == ["m5"])
        let stats = try await store.stats(workspaceId: 1)
        #expect(stats.events == 4)
        #expect(stats.eventsByType["Order Completed"] == 1)
        // The migrated messages are in the log's memory: a retry is not stored, new ones go after 5.
        #expect(try await store.containsMessage(sourceId: 1, messageId: "m2"))
        #expect(try await store.append(events(["m2", "m6"], source: 1)) == [nil, 6])
        let tables = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master") }
        #expect(!tables.contains("events"))
        try await store.close()
    }
}

@Suite struct FingerprintSetTests {
    @Test func holdsWhatWasInsertedThroughGrowth() {
        var set = FingerprintSet()
        var inserted: [MessageFingerprint] = []
        for i in 0..<50_000 {
            let f = MessageFingerprint(sourceId: Int64(i % 3), messageId: "m\(i)")
            let new = set.insert(f)
            #expect(new)
            inserted.append(f)
        }
        #expect(set.count == 50_000)
        #expect(inserted.allSatisfy { set.contains($0) })
        for f in inserted.prefix(100) {
            let again = set.insert(f)
            #expect(!again)
        }
        #expect(!set.contains(MessageFingerprint(sourceId: 5, messageId: "m1")))
        // Fingerprints that share their low half, and the all-zero one (the empty-slot marker).
        let twins = [MessageFingerprint(low: 7, high: 1), MessageFingerprint(low: 7, high: 2), MessageFingerprint(low: 0, high: 0)]
        #expect(twins.allSatisfy { !set.contains($0) })
        for f in twins {
            let new = set.insert(f)
            #expect(new)
        }
        #expect(twins.allSatisfy { set.contains($0) })
        let zeroAgain = set.insert(MessageFingerprint(low: 0, high: 0))
        #expect(!zeroAgain)
        #expect(set.count == 50_003)
    }
}
