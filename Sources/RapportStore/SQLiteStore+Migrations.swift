import Foundation
import GRDB
import RapportCore

extension SQLiteStore {
    /// The schema, versioned. Every table leads with the workspace (and the
    /// profile where it has one) so the PostgreSQL schema can distribute by them.
    /// The log and credentials database (`rapport.sqlite`); from v3 the log's
    /// block bytes are in `segments`.
    static func logMigrator(segments: LogSegments) -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE workspaces (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  name TEXT NOT NULL UNIQUE,
                  created_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER) * 1000)
                );
                CREATE TABLE sources (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
                  name TEXT NOT NULL,
                  UNIQUE (workspace_id, name)
                );
                CREATE TABLE write_keys (
                  key_hash TEXT PRIMARY KEY,
                  source_id INTEGER NOT NULL REFERENCES sources(id),
                  created_at INTEGER NOT NULL,
                  revoked_at INTEGER
                );
                CREATE TABLE api_tokens (
                  token_hash TEXT PRIMARY KEY,
                  workspace_id INTEGER NOT NULL,
                  role TEXT NOT NULL,
                  name TEXT NOT NULL,
                  created_at INTEGER NOT NULL
                );
                CREATE TABLE users (
                  username TEXT PRIMARY KEY,
                  workspace_id INTEGER NOT NULL,
                  password_hash TEXT NOT NULL,
                  role TEXT NOT NULL
                );
                -- The log. seq is the rowid: a skipped duplicate consumes no position, so positions have no gaps.
                -- Erasure must redact bodies in place, never delete rows, so a position is never reused.
                -- Dedupe key: (source, client time, messageId). A retry carries the same client time, and
                -- keying by time first keeps inserts at the right edge of the index instead of at random.
                CREATE TABLE events (
                  seq INTEGER PRIMARY KEY,
                  workspace_id INTEGER NOT NULL,
                  source_id INTEGER NOT NULL,
                  client_ts INTEGER NOT NULL,
                  message_id TEXT NOT NULL,
                  type TEXT NOT NULL,
                  name TEXT NOT NULL,
                  timestamp INTEGER NOT NULL,
                  received_at INTEGER NOT NULL,
                  body BLOB NOT NULL
                );
                CREATE UNIQUE INDEX events_dedupe ON events (source_id, client_ts, message_id);
                CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
                """)
        }
        // v2: the log is stored as blocks of consecutive events (`LogBlock`), one row per ~32 KiB,
        // not a row per event with a unique index. Dedupe is by (source, messageId) fingerprint
        // within a window kept in memory (`DedupeWindow`), from the fingerprints every block
        // carries. Counts per day, source and name are kept as the log is appended, for the
        // dashboard and the statistics, which no longer scan the log.
        // Erasure must rewrite a block with the body redacted, never delete a block, so a
        // position is never reused.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE log_blocks (
                  first_seq INTEGER PRIMARY KEY,
                  count INTEGER NOT NULL,
                  received_at INTEGER NOT NULL,
                  fingerprints BLOB NOT NULL,
                  records BLOB NOT NULL
                );
                CREATE INDEX log_blocks_received ON log_blocks (received_at);
                CREATE TABLE event_counts (
                  workspace_id INTEGER NOT NULL,
                  day INTEGER NOT NULL,
                  source_id INTEGER NOT NULL,
                  name TEXT NOT NULL,
                  count INTEGER NOT NULL,
                  PRIMARY KEY (workspace_id, day, source_id, name)
                ) WITHOUT ROWID;
                """)
            try migrateRowsToBlocks(db)
            try db.execute(sql: "DROP TABLE events")
        }
        // v3: a block's bytes live in segment files (`LogSegments`); its row says where. Inside SQLite
        // each byte went through the page cache, the WAL and a checkpoint copy.
        m.registerMigration("v3") { db in
            try db.execute(sql: """
                CREATE TABLE log_blocks_v3 (
                  first_seq INTEGER PRIMARY KEY,
                  count INTEGER NOT NULL,
                  received_at INTEGER NOT NULL,
                  fingerprints BLOB NOT NULL,
                  segment INTEGER NOT NULL,
                  seg_offset INTEGER NOT NULL,
                  seg_length INTEGER NOT NULL
                );
                """)
            try moveBlocksToSegments(db, segments: segments)
            try db.execute(sql: """
                DROP TABLE log_blocks;
                ALTER TABLE log_blocks_v3 RENAME TO log_blocks;
                CREATE INDEX log_blocks_received ON log_blocks (received_at);
                """)
        }
        // v4: what operators define — segments and computed traits — as text, with a version the
        // projection polls to pick up changes made by another process (the CLI).
        m.registerMigration("v4") { db in
            try db.execute(sql: """
                CREATE TABLE definitions (
                  workspace_id INTEGER NOT NULL,
                  kind TEXT NOT NULL,
                  name TEXT NOT NULL,
                  body TEXT NOT NULL,
                  description TEXT NOT NULL DEFAULT '',
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL,
                  PRIMARY KEY (workspace_id, kind, name)
                ) WITHOUT ROWID;
                CREATE TABLE definitions_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
                INSERT INTO definitions_version (id, version) VALUES (1, 0);
                """)
        }
        // v5: tags are definitions too (kind `tag`, the body its rule or empty), in a group.
        m.registerMigration("v5") { db in
            try db.execute(sql: "ALTER TABLE definitions ADD COLUMN tag_group TEXT NOT NULL DEFAULT ''")
        }
        return m
    }

    /// Writes the blocks a version 2 log holds in its rows to segments, and
    /// indexes them in `log_blocks_v3`. The bytes are written before the
    /// migration commits; if it does not, the next attempt writes over them.
    static func moveBlocksToSegments(_ db: Database, segments: LogSegments) throws {
        var sink = try SegmentSink(db, segments: segments, segment: 1, position: 0, table: "log_blocks_v3")
        var records: [UInt8] = []
        let rows = try Row.fetchCursor(
            db, sql: "SELECT first_seq, count, received_at, fingerprints, records FROM log_blocks ORDER BY first_seq")
        while let row = try rows.next() {
            let start = records.count
            try row.withUnsafeData(atIndex: 4) { data in
                if let data { records.append(contentsOf: data) }
            }
            let prints: Data = row[3]
            try sink.close(first: row[0], count: row[1], receivedAt: row[2], prints: [UInt8](prints),
                           block: start..<records.count, records: &records)
            if records.count >= 4 << 20 { try sink.finish(records: &records) }
        }
        try sink.finish(records: &records)
    }

    /// The projections' database (`projection.sqlite`): derived state and the
    /// checkpoints that say how far into the log it is.
    static var projectionMigrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE checkpoints (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
                CREATE TABLE profiles (
                  id INTEGER PRIMARY KEY,
                  workspace_id INTEGER NOT NULL,
                  created_at INTEGER NOT NULL,
                  merged_into INTEGER,
                  aggregates TEXT NOT NULL,
                  traits TEXT NOT NULL
                );
                CREATE TABLE identities (
                  workspace_id INTEGER NOT NULL,
                  kind TEXT NOT NULL,
                  value TEXT NOT NULL,
                  profile_id INTEGER NOT NULL,
                  first_seen INTEGER NOT NULL,
                  PRIMARY KEY (workspace_id, kind, value)
                ) WITHOUT ROWID;
                CREATE INDEX identities_profile ON identities (profile_id);
                CREATE TABLE merges (
                  id INTEGER PRIMARY KEY,
                  workspace_id INTEGER NOT NULL,
                  from_profile INTEGER NOT NULL,
                  into_profile INTEGER NOT NULL,
                  identifier TEXT NOT NULL,
                  message_id TEXT NOT NULL,
                  seq INTEGER NOT NULL,
                  at INTEGER NOT NULL,
                  undone_at INTEGER,
                  undone_by TEXT
                );
                CREATE TABLE merge_blocks (
                  workspace_id INTEGER NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL,
                  PRIMARY KEY (workspace_id, a, b)
                ) WITHOUT ROWID;
                CREATE TABLE identity_warnings (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  workspace_id INTEGER NOT NULL,
                  seq INTEGER NOT NULL,
                  message_id TEXT NOT NULL,
                  identifier TEXT NOT NULL,
                  code TEXT NOT NULL,
                  detail TEXT NOT NULL,
                  at INTEGER NOT NULL
                );
                CREATE TABLE profile_events (
                  profile_id INTEGER NOT NULL,
                  seq INTEGER NOT NULL,
                  PRIMARY KEY (profile_id, seq)
                ) WITHOUT ROWID;
                """)
        }
        // v2: nothing on the flush path is keyed at random any more. Identities are appended in the
        // order they were first seen (the projection looks them up in memory, never by SQL), and
        // the owner of each event is kept in one blob per flush (`EventOwnerCoding`) instead of a
        // (profile, position) row per event, which rewrote pages all over the table at every flush.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE identities_v2 (
                  workspace_id INTEGER NOT NULL,
                  kind TEXT NOT NULL,
                  value TEXT NOT NULL,
                  profile_id INTEGER NOT NULL,
                  first_seen INTEGER NOT NULL
                );
                INSERT INTO identities_v2 (workspace_id, kind, value, profile_id, first_seen)
                  SELECT workspace_id, kind, value, profile_id, first_seen FROM identities ORDER BY first_seen;
                DROP TABLE identities;
                ALTER TABLE identities_v2 RENAME TO identities;
                CREATE TABLE event_owners (
                  first_seq INTEGER PRIMARY KEY,
                  last_seq INTEGER NOT NULL,
                  owners BLOB NOT NULL
                );
                """)
            var pairs: [(ProfileID, Int64)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT profile_id, seq FROM profile_events ORDER BY seq")
            func writeChunk() throws {
                guard let first = pairs.first?.1, let last = pairs.last?.1 else { return }
                try db.execute(
                    sql: "INSERT INTO event_owners (first_seq, last_seq, owners) VALUES (?, ?, ?)",
                    arguments: [first, last, Data(EventOwnerCoding.encode(pairs))])
                pairs.removeAll(keepingCapacity: true)
            }
            while let r = try rows.next() {
                pairs.append((ProfileID(r[0]), r[1]))
                if pairs.count == 100_000 { try writeChunk() }
            }
            try writeChunk()
            try db.execute(sql: "DROP TABLE profile_events")
        }
        return m
    }

    /// Moves a version 1 log (a row per event) into blocks, keeping every
    /// position: a gap in the positions starts a new block.
    static func migrateRowsToBlocks(_ db: Database) throws {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, workspace_id, source_id, message_id, type, name, timestamp, received_at, body
            FROM events ORDER BY seq
            """)
        var events: [EventToAppend] = []
        var prints: [MessageFingerprint] = []
        var start: Int64 = 0
        var received: Int64 = 0
        // The v2 layout: the block's bytes in its row.
        let insert = try RawStatement(db, sql: """
            INSERT INTO log_blocks (first_seq, count, received_at, fingerprints, records) VALUES (?, ?, ?, ?, ?)
            """)
        var records: [UInt8] = []
        func write() throws {
            guard !events.isEmpty else { return }
            let (_, _, counts) = try LogBlock.writeBlocks(
                events, prints: prints, fresh: Array(repeating: true, count: events.count), start: start,
                records: &records
            ) { first, count, prints, block, records in
                insert.bind(1, first)
                insert.bind(2, count)
                insert.bind(3, received)
                insert.bindBlob(4, prints)
                insert.bindBlob(5, Array(records[block]))
                try insert.step()
                records.removeAll(keepingCapacity: true)
            }
            try addCounts(db, counts)
            events.removeAll(keepingCapacity: true)
            prints.removeAll(keepingCapacity: true)
        }
        var scratch: [UInt8] = []
        while let r = try rows.next() {
            let seq: Int64 = r[0]
            if events.isEmpty || seq != start + Int64(events.count) || events.count >= LogBlock.maxRecords {
                try write()
                start = seq
                received = 0
            }
            let messageId: String = r[3]
            let type = MessageType(rawValue: r[4]) ?? .track
            let name: String = r[5]
            let body: Data = r[8]
            var message = Message(type: type, messageId: messageId, timestamp: r[6], receivedAt: r[7], body: [UInt8](body))
            if type == .track { message.event = name }
            events.append(EventToAppend(workspaceId: r[1], sourceId: r[2], message: message))
            prints.append(MessageFingerprint(sourceId: r[2], messageId: messageId, scratch: &scratch))
            received = max(received, r[7])
        }
        try write()
    }
}
