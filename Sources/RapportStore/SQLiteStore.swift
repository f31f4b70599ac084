import Foundation
import GRDB
import GRDBSQLite
import RapportCore

/// The embedded store: SQLite files in WAL mode in a data directory.
///
/// `rapport.sqlite` holds the event log and the credentials; `projection.sqlite`
/// holds what the projections derive from the log (profiles, identities,
/// merges, checkpoints). Two files, two writers: appending to the log never
/// waits for a projection flush, and the flush runs on the other core. A
/// projection's state and its checkpoint are always in the same file, so they
/// commit together.
///
/// Several processes may open the same files (a server and a CLI import):
/// SQLite serialises their writes, the log's unique index keeps dedupe exact
/// across them, and a lease keeps one projection writer at a time.
public final class SQLiteStore: RapportStore {
    /// How hard a commit waits for the disk.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=FULL`: a commit survives power loss (the default).
        case full
        /// `synchronous=NORMAL`: a commit survives a crash of the process, not of the machine.
        case normal
    }

    public let directory: String
    let pool: DatabasePool
    let projections: DatabasePool
    /// Copies committed WAL pages into each database file on connections of
    /// their own, so that the writers' commits do not stop to do it.
    let logCheckpointer: WALCheckpointer
    let projectionCheckpointer: WALCheckpointer
    /// The files holding the log's blocks (`log/*.seg`).
    let segments: LogSegments
    /// The fingerprints of the messages appended within the dedupe window.
    let dedupe: DedupeWindow
    /// Now, in milliseconds since 1970: when blocks are appended, for the dedupe window.
    let clock: @Sendable () -> Int64

    public static let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Opens (creating if needed) the store in `directory` and migrates it.
    ///
    /// - Parameters:
    ///   - dedupeWindow: milliseconds for which a message's id is remembered
    ///     after it is appended, at least: a retry within it is not stored
    ///     again, and memory grows with the messages of two windows (about 30
    ///     bytes each). `nil` (the default): remembered for ever, memory grows
    ///     with the log.
    ///   - clock: the time blocks are stamped with, for the window.
    ///   - segmentBytes: the size past which the log starts a new segment file.
    public init(directory: String, durability: Durability = .full, dedupeWindow: Int64? = nil,
                segmentBytes: Int64 = 1 << 30, clock: @escaping @Sendable () -> Int64 = wallClock) throws {
        self.directory = directory
        self.clock = clock
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RapportError(.storage, "cannot create the data directory \(directory): \(error)")
        }
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.maximumReaderCount = 4
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try db.execute(sql: "PRAGMA cache_size = -131072")  // 128 MiB
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // The background checkpointers copy the WAL into the database as it grows. A commit only
            // checkpoints (and stalls group commit while it does) past 256 MiB of WAL, which happens
            // when the checkpointers cannot keep up; what they already copied is not copied again.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 65536")
        }
        let logPath = (directory as NSString).appendingPathComponent("rapport.sqlite")
        let projectionPath = (directory as NSString).appendingPathComponent("projection.sqlite")
        do {
            let segments = try LogSegments(directory: directory, segmentBytes: segmentBytes,
                                           syncEveryWrite: durability == .full)
            self.segments = segments
            pool = try DatabasePool(path: logPath, configuration: config)
            try SQLiteStore.logMigrator(segments: segments).migrate(pool)
            projections = try DatabasePool(path: projectionPath, configuration: config)
            try SQLiteStore.projectionMigrator.migrate(projections)
            logCheckpointer = try WALCheckpointer(path: logPath, durability: durability) {
                // With `normal` durability a commit does not sync its segment bytes; before a checkpoint
                // syncs the WAL (making its rows durable), the bytes they point to are synced.
                segments.syncWritten()
            }
            projectionCheckpointer = try WALCheckpointer(path: projectionPath, durability: durability)
            dedupe = try pool.read { db in try Self.loadDedupe(db, window: dedupeWindow.map { max(1, $0) }, now: clock()) }
        } catch {
            throw RapportError(.storage, "cannot open the databases in \(directory): \(error)")
        }
    }

    /// Opens the store in `directory`, runs `body` with it, and closes it,
    /// also when `body` throws (as ``PostgresStore``'s `withStore` does).
    public static func withStore<T>(
        directory: String, durability: Durability = .full, dedupeWindow: Int64? = nil,
        clock: @escaping @Sendable () -> Int64 = wallClock, _ body: (SQLiteStore) async throws -> T
    ) async throws -> T {
        let store = try SQLiteStore(directory: directory, durability: durability, dedupeWindow: dedupeWindow,
                                    clock: clock)
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    public func close() async throws {
        try logCheckpointer.close()
        try projectionCheckpointer.close()
        try pool.close()
        try projections.close()
        segments.close()
    }

    // MARK: - Event log (the reads; the append is in SQLiteStore+Append.swift)

    /// `SELECT` of the blocks that may hold positions after `seq`: a block
    /// holds at most `LogBlock.maxRecords` events.
    public func events(after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        if limit <= 0 { return [] }
        let segments = self.segments
        return try await pool.read { db in
            var out: [StoredEvent] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT first_seq, segment, seg_offset, seg_length FROM log_blocks WHERE first_seq > ? ORDER BY first_seq
                """, arguments: [seq.subtractingReportingOverflow(Int64(LogBlock.maxRecords)).partialValue])
            while out.count < limit, let row = try rows.next() {
                let first: Int64 = row[0]
                let bytes = try segments.read(segment: row[1], offset: row[2], length: row[3])
                bytes.withUnsafeBytes { b in
                    _ = LogBlock.decode(b, firstSeq: first, into: &out, limit: limit) { $0 > seq }
                }
            }
            return out
        }
    }

    public func events(at seqs: [Int64]) async throws -> [StoredEvent] {
        if seqs.isEmpty { return [] }
        let segments = self.segments
        return try await pool.read { db in
            var out: [StoredEvent] = []
            let wanted = Set(seqs)
            let block = try db.cachedStatement(sql: """
                SELECT first_seq, count, segment, seg_offset, seg_length FROM log_blocks
                WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1
                """)
            var covered: Range<Int64> = 0..<0
            for s in wanted.sorted() where !covered.contains(s) {
                guard let row = try Row.fetchOne(block, arguments: [s]) else { continue }
                let first: Int64 = row[0]
                let count: Int64 = row[1]
                covered = first..<first.addingReportingOverflow(count).partialValue
                guard covered.contains(s) else { continue }
                let bytes = try segments.read(segment: row[2], offset: row[3], length: row[4])
                bytes.withUnsafeBytes { b in
                    _ = LogBlock.decode(b, firstSeq: first, into: &out) { wanted.contains($0) }
                }
            }
            return out
        }
    }

    public func lastSeq() async throws -> Int64 {
        try await pool.read { db in try Self.logEnd(db) - 1 }
    }

    /// The position after the log's last event (1 for an empty log).
    static func logEnd(_ db: Database) throws -> Int64 {
        try logTail(db).end
    }

    /// Looks in the dedupe window (after reading the blocks other processes
    /// appended since this one last looked), then, if the window forgets,
    /// through every block's fingerprints.
    public func containsMessage(sourceId: SourceID, messageId: String) async throws -> Bool {
        let print = MessageFingerprint(sourceId: sourceId, messageId: messageId)
        let dedupe = self.dedupe
        return try await pool.read { db in
            try Self.absorbNewerBlocks(db, into: dedupe)
            if dedupe.contains(print) { return true }
            if dedupe.window == nil { return false }
            let rows = try Row.fetchCursor(db, sql: "SELECT fingerprints FROM log_blocks")
            while let row = try rows.next() {
                var found = false
                try row.withUnsafeData(atIndex: 0) { data in
                    (data ?? Data()).withUnsafeBytes { b in
                        MessageFingerprint.forEach(in: b) { if $0 == print { found = true } }
                    }
                }
                if found { return true }
            }
            return false
        }
    }

    // MARK: - Projection

    public func loadProjection() async throws -> ProjectionSnapshot {
        try await projections.read { db in
            let partitions = try Self.partitionCheckpoints(db)
            var profiles: [ProfileRecord] = []
            let prows = try Row.fetchCursor(db, sql: """
                SELECT id, workspace_id, created_at, merged_into, aggregates, traits FROM profiles
                """)
            while let r = try prows.next() {
                let merged: Int64? = r[3]
                profiles.append(ProfileRecord(
                    id: ProfileID(r[0]), workspaceId: r[1], createdAt: r[2], mergedInto: merged.map(ProfileID.init),
                    aggregates: ProfileCoding.decodeAggregates(r[4]), traits: ProfileCoding.decodeTraits(r[5])))
            }
            var identities: [IdentityRecord] = []
            let irows = try Row.fetchCursor(
                db, sql: "SELECT workspace_id, kind, value, profile_id, first_seen FROM identities")
            while let r = try irows.next() {
                identities.append(IdentityRecord(
                    workspaceId: r[0], identifier: Identifier(kind: r[1], value: r[2]), profileId: ProfileID(r[3]),
                    firstSeen: r[4]))
            }
            let merges = try Self.fetchMerges(db, sql: "SELECT * FROM merges ORDER BY id", arguments: [])
            var blocks: [(WorkspaceID, ProfileID, ProfileID)] = []
            for r in try Row.fetchAll(db, sql: "SELECT workspace_id, a, b FROM merge_blocks") {
                blocks.append((r[0], ProfileID(r[1]), ProfileID(r[2])))
            }
            var owners: [[UInt8]] = []
            let orows = try Row.fetchCursor(db, sql: "SELECT owners FROM event_owners ORDER BY first_seq")
            while let r = try orows.next() {
                let blob: Data = r[0]
                owners.append([UInt8](blob))
            }
            return ProjectionSnapshot(
                checkpoint: partitions.min() ?? 0, profiles: profiles, identities: identities, merges: merges,
                mergeBlocks: blocks, eventOwners: owners, partitionCheckpoints: partitions)
        }
    }

    static func fetchMerges(_ db: Database, sql: String, arguments: StatementArguments) throws -> [MergeRecord] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { r in
            MergeRecord(
                id: r["id"], workspaceId: r["workspace_id"], from: ProfileID(r["from_profile"]),
                into: ProfileID(r["into_profile"]), identifier: r["identifier"], messageId: r["message_id"],
                seq: r["seq"], at: r["at"], undoneAt: r["undone_at"], undoneBy: r["undone_by"])
        }
    }

    public func saveProjection(_ delta: ProjectionDelta) async throws {
        try await projections.write { db in
            let current = try Self.partitionCheckpoints(db)
            try delta.check(against: current)
            // The flush's hot loops (a row per changed profile and per new identifier) bind through
            // SQLite's C API into reused buffers: no argument arrays, no intermediate strings.
            let profile = try RawStatement(db, sql: """
                INSERT INTO profiles (id, workspace_id, created_at, merged_into, aggregates, traits)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET merged_into = excluded.merged_into,
                  aggregates = excluded.aggregates, traits = excluded.traits
                """)
            var aggregates: [UInt8] = []
            var traits: [UInt8] = []
            for p in delta.profiles {
                ProfileCoding.encodeAggregates(p.aggregates, into: &aggregates)
                ProfileCoding.encodeTraits(p.traits, into: &traits)
                profile.bind(1, p.id.rawValue)
                profile.bind(2, p.workspaceId)
                profile.bind(3, p.createdAt)
                profile.bind(4, p.mergedInto?.rawValue)
                profile.bindText(5, aggregates)
                profile.bindText(6, traits)
                try profile.step()
            }
            let identity = try RawStatement(db, sql: """
                INSERT INTO identities (workspace_id, kind, value, profile_id, first_seen) VALUES (?, ?, ?, ?, ?)
                """)
            for i in delta.identities {
                identity.bind(1, i.workspaceId)
                identity.bind(2, i.identifier.kind)
                identity.bind(3, i.identifier.value)
                identity.bind(4, i.profileId.rawValue)
                identity.bind(5, i.firstSeen)
                try identity.step()
            }
            let merge = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO merges
                  (id, workspace_id, from_profile, into_profile, identifier, message_id, seq, at, undone_at, undone_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for m in delta.merges {
                merge.setUncheckedArguments([
                    m.id, m.workspaceId, m.from.rawValue, m.into.rawValue, m.identifier, m.messageId, m.seq, m.at,
                    m.undoneAt, m.undoneBy,
                ])
                try merge.execute()
            }
            let warning = try db.cachedStatement(sql: """
                INSERT INTO identity_warnings (workspace_id, seq, message_id, identifier, code, detail, at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for w in delta.warnings {
                warning.setUncheckedArguments([w.workspaceId, w.seq, w.messageId, w.identifier, w.code, w.detail, w.at])
                try warning.execute()
            }
            if !delta.profileEvents.isEmpty {
                let owners = EventOwnerCoding.encode(delta.profileEvents)
                let first = delta.profileEvents.lazy.map(\.1).min() ?? 0
                let last = delta.profileEvents.lazy.map(\.1).max() ?? 0
                let chunk = try RawStatement(db, sql: """
                    INSERT OR REPLACE INTO event_owners (first_seq, last_seq, owners) VALUES (?, ?, ?)
                    """)
                chunk.bind(1, first)
                chunk.bind(2, last)
                chunk.bindBlob(3, owners)
                try chunk.step()
            }
            let block = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO merge_blocks (workspace_id, a, b) VALUES (?, ?, ?)")
            for (w, a, b) in delta.mergeBlocks {
                block.setUncheckedArguments([w, min(a, b).rawValue, max(a, b).rawValue])
                try block.execute()
            }
            for p in delta.partitions {
                try Self.setCheckpoint(db, name: ProjectionPartitions.checkpointName(p), to: delta.checkpoint)
            }
        }
        projectionCheckpointer.wrote(bytes: delta.profiles.count * 600 + delta.profileEvents.count * 4
                                     + delta.identities.count * 80)
    }

    public func identityWarnings(workspaceId: WorkspaceID, limit: Int) async throws -> [IdentityWarningRecord] {
        try await projections.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT workspace_id, seq, message_id, identifier, code, detail, at FROM identity_warnings
                    WHERE workspace_id = ? ORDER BY id DESC LIMIT ?
                    """,
                arguments: [workspaceId, limit]
            ).map {
                IdentityWarningRecord(
                    workspaceId: $0[0], seq: $0[1], messageId: $0[2], identifier: $0[3], code: $0[4], detail: $0[5],
                    at: $0[6])
            }
        }
    }

    public func acquireLease(name: String, owner: String, now: Int64, until: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE leases.owner = excluded.owner OR leases.expires_at < ?
                    """,
                arguments: [name, owner, until, now])
            let holder = try String.fetchOne(db, sql: "SELECT owner FROM leases WHERE name = ?", arguments: [name])
            return holder == owner
        }
    }

    public func releaseLease(name: String, owner: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM leases WHERE name = ? AND owner = ?", arguments: [name, owner])
        }
    }

    public func leases(now: Int64) async throws -> [LeaseRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, owner, expires_at FROM leases WHERE expires_at >= ? ORDER BY name",
                arguments: [now]
            ).map { LeaseRecord(name: $0[0], owner: $0[1], expiresAt: $0[2]) }
        }
    }

    // MARK: - Partitions

    public func projectionCheckpoints() async throws -> [Int64] {
        try await projections.read { db in try Self.partitionCheckpoints(db) }
    }

    public func repartitionProjection(count: Int, checkpoint: Int64) async throws {
        try ProjectionPartitions.validate(count: count)
        try await projections.write { db in
            let current = try Self.partitionCheckpoints(db)
            guard current.allSatisfy({ $0 == checkpoint }) else {
                throw ProjectionPartitions.repartitionConflict(current, expected: checkpoint)
            }
            try db.execute(sql: "DELETE FROM checkpoints WHERE name LIKE 'profiles:%'")
            for p in 0..<count { try Self.setCheckpoint(db, name: ProjectionPartitions.checkpointName(p), to: checkpoint) }
            try Self.setCheckpoint(db, name: ProjectionPartitions.countName, to: Int64(count))
        }
    }

    /// Each projection partition's checkpoint.
    static func partitionCheckpoints(_ db: Database) throws -> [Int64] {
        ProjectionPartitions.checkpoints(
            from: try Row.fetchAll(db, sql: "SELECT name, seq FROM checkpoints").map { ($0[0], $0[1]) })
    }

    static func setCheckpoint(_ db: Database, name: String, to seq: Int64) throws {
        try db.execute(
            sql: "INSERT INTO checkpoints (name, seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq",
            arguments: [name, seq])
    }
}
