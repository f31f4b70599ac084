import Logging
import NIOCore
import PostgresNIO
import RapportCore
import RapportStore

extension PostgresStore {
    /// Appends the new messages of `events` as blocks, in one transaction that
    /// holds the `log_head` row lock from reading the log's end to its commit.
    ///
    /// Under the lock it reads the fingerprints of blocks that other processes
    /// committed since this one last looked, so the dedupe sees every message
    /// in the log; the fingerprints of this append join the window only once
    /// the transaction has committed. Events keep the caller's order (profile
    /// and merge ids are allocated in log order across workspaces, so a move
    /// between stores must not reorder); a block holds one workspace's events,
    /// so a change of workspace starts a new block.
    /// Returns once PostgreSQL has committed, durably under the server's
    /// `synchronous_commit`.
    public func append(_ events: [EventToAppend]) async throws -> [Int64?] {
        if events.isEmpty { return [] }
        let now = clock()
        var scratch: [UInt8] = []
        let prints = events.map {
            MessageFingerprint(sourceId: $0.sourceId, messageId: $0.message.messageId, scratch: &scratch)
        }
        let dedupe = self.dedupe
        // What other servers appended since this one last looked, read before taking the lock, so that
        // the read under it covers only the last moment's blocks.
        try await storage("reading the log's recent blocks") { try await absorbNewerBlocks(on: nil) }
        let (positions, end) = try await transaction("appending \(events.count) events") { conn in
            let head = try await rows("SELECT next_seq FROM log_head WHERE id = 1 FOR UPDATE", as: Int64.self, on: conn)
            guard let start = head.first else { throw RapportError(.storage, "log_head has no row") }
            if dedupe.knownEnd < start { try await absorbNewerBlocks(on: conn) }
            let fresh = dedupe.fresh(prints)
            var blocks = BlockColumns()
            var positions: [Int64?] = []
            positions.reserveCapacity(events.count)
            var counts: [EventCountKey: Int] = [:]
            var next = start
            var records: [UInt8] = []
            var from = 0
            while from < events.count {
                let workspace = events[from].workspaceId  // trap-ok: from < count
                var to = from + 1
                while to < events.count, events[to].workspaceId == workspace { to += 1 }  // trap-ok: to < count
                let slice = Array(events[from..<to])
                let (runPositions, runEnd, runCounts) = try LogBlock.writeBlocks(
                    slice, prints: Array(prints[from..<to]), fresh: Array(fresh[from..<to]), start: next, records: &records
                ) { first, count, prints, block, records in
                    blocks.append(workspace: workspace, first: first, count: count, receivedAt: now, prints: prints,
                                  records: records[block])
                    records.removeAll(keepingCapacity: true)
                }
                positions.append(contentsOf: runPositions)
                counts.merge(runCounts, uniquingKeysWith: +)
                next = runEnd
                from = to
            }
            if next > start {
                try await run("""
                    INSERT INTO log_blocks (workspace_id, first_seq, count, received_at, fingerprints, records)
                    SELECT * FROM unnest(\(blocks.workspace)::bigint[], \(blocks.first)::bigint[], \(blocks.count)::int[],
                      \(blocks.receivedAt)::bigint[], \(blocks.prints)::bytea[], \(blocks.records)::bytea[])
                    """, on: conn)
                try await Self.addCounts(counts, on: conn, logger: logger)
                try await run("UPDATE log_head SET next_seq = \(next) WHERE id = 1", on: conn)
            }
            return (positions, next)
        }
        dedupe.commit(zip(prints, positions).compactMap { $1 == nil ? nil : $0 }, end: end, now: now)
        return positions
    }

    /// Adds to the dedupe window the fingerprints of the blocks appended since
    /// this process last looked.
    func absorbNewerBlocks(on conn: PostgresConnection?) async throws {
        let query: PostgresQuery = """
            SELECT first_seq + count, fingerprints FROM log_blocks WHERE first_seq >= \(dedupe.knownEnd) ORDER BY first_seq
            """
        let newer = if let conn { try await conn.query(query, logger: logger) } else { try await client.query(query, logger: logger) }
        for try await (blockEnd, blob) in newer.decode((Int64, ByteBuffer).self) {
            blob.withUnsafeReadableBytes { dedupe.absorb($0, end: blockEnd) }
        }
    }

    /// The rows of the blocks an append writes, as columns for `unnest`.
    struct BlockColumns {
        var workspace: [Int64] = []
        var first: [Int64] = []
        var count: [Int64] = []
        var receivedAt: [Int64] = []
        var prints: [ByteBuffer] = []
        var records: [ByteBuffer] = []

        mutating func append(workspace w: Int64, first f: Int64, count c: Int64, receivedAt r: Int64, prints p: [UInt8],
                             records bytes: ArraySlice<UInt8>) {
            workspace.append(w)
            first.append(f)
            count.append(c)
            receivedAt.append(r)
            prints.append(ByteBuffer(bytes: p))
            records.append(ByteBuffer(bytes: bytes))
        }
    }

    /// Adds events to the counts per workspace, day, source and name.
    static func addCounts(_ counts: [EventCountKey: Int], on conn: PostgresConnection, logger: Logger) async throws {
        if counts.isEmpty { return }
        var workspace: [Int64] = [], day: [Int64] = [], source: [Int64] = [], name: [String] = [], n: [Int64] = []
        for (key, count) in counts {
            workspace.append(key.workspace)
            day.append(key.day)
            source.append(key.source)
            name.append(key.name.postgresText)
            n.append(Int64(count))
        }
        try await conn.query("""
            INSERT INTO event_counts (workspace_id, day, source_id, name, count)
            SELECT * FROM unnest(\(workspace)::bigint[], \(day)::bigint[], \(source)::bigint[], \(name)::text[], \(n)::bigint[])
            ON CONFLICT (workspace_id, day, source_id, name) DO UPDATE SET count = event_counts.count + excluded.count
            """, logger: logger)
    }

    /// Reads the fingerprints of the blocks appended within the window (all of them without one).
    static func loadDedupe(_ client: PostgresClient, window: Int64?, now: Int64, logger: Logger) async throws -> DedupeWindow {
        var prints = DedupeWindow.Generation()
        let since = window.map { now.subtractingReportingOverflow($0).partialValue } ?? Int64.min
        // The end first: blocks committed after it are read again before the next append.
        var end: Int64 = 1
        for try await next in try await client.query("SELECT next_seq FROM log_head WHERE id = 1", logger: logger)
            .decode(Int64.self) { end = next }
        let rows = try await client.query(
            "SELECT fingerprints FROM log_blocks WHERE received_at >= \(since) AND first_seq < \(end)", logger: logger)
        for try await blob in rows.decode(ByteBuffer.self) {
            blob.withUnsafeReadableBytes { b in MessageFingerprint.forEach(in: b) { prints.insert($0) } }
        }
        return DedupeWindow(window: window, now: now, knownEnd: end, fingerprints: prints)
    }

    // MARK: - Reads

    public func events(after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        if limit <= 0 { return [] }
        return try await storage("reading the log") {
            var out: [StoredEvent] = []
            // The block holding position `seq + 1` starts after `seq + 1 - maxRecords`.
            var from = seq.subtractingReportingOverflow(Int64(LogBlock.maxRecords)).partialValue
            let batch = max(4, min(256, limit / 64 + 2))
            while out.count < limit {
                // Blocks that end after `seq` only: the earlier ones in the window are skipped by the server.
                let blocks = try await rows("""
                    SELECT first_seq, records FROM log_blocks WHERE first_seq > \(from) AND first_seq + count > \(seq)
                    ORDER BY first_seq LIMIT \(batch)
                    """, as: (Int64, ByteBuffer).self)
                for (first, bytes) in blocks where out.count < limit {
                    bytes.withUnsafeReadableBytes { b in
                        _ = LogBlock.decode(b, firstSeq: first, into: &out, limit: limit) { $0 > seq }
                    }
                }
                guard blocks.count == batch, let last = blocks.last?.0 else { break }
                from = last
            }
            return out
        }
    }

    public func events(at seqs: [Int64]) async throws -> [StoredEvent] {
        if seqs.isEmpty { return [] }
        let wanted = Set(seqs)
        return try await storage("reading events of the log") {
            let blocks = try await rows("""
                SELECT first_seq, records FROM log_blocks WHERE first_seq IN (
                  SELECT (SELECT first_seq FROM log_blocks WHERE first_seq <= s ORDER BY first_seq DESC LIMIT 1)
                  FROM unnest(\(Array(wanted))::bigint[]) s)
                ORDER BY first_seq
                """, as: (Int64, ByteBuffer).self)
            var out: [StoredEvent] = []
            for (first, bytes) in blocks {
                bytes.withUnsafeReadableBytes { b in
                    _ = LogBlock.decode(b, firstSeq: first, into: &out) { wanted.contains($0) }
                }
            }
            return out
        }
    }

    public func lastSeq() async throws -> Int64 {
        try await storage("reading the log's end") {
            (try await rows("SELECT next_seq FROM log_head WHERE id = 1", as: Int64.self).first ?? 1) - 1
        }
    }

    /// Looks in the dedupe window (after reading the blocks other processes
    /// appended since this one last looked), then, if the window forgets,
    /// through every block's fingerprints.
    public func containsMessage(sourceId: SourceID, messageId: String) async throws -> Bool {
        let print = MessageFingerprint(sourceId: sourceId, messageId: messageId)
        return try await storage("looking for a message in the log") {
            try await absorbNewerBlocks(on: nil)
            if dedupe.contains(print) { return true }
            if dedupe.window == nil { return false }
            let rows = try await client.query("SELECT fingerprints FROM log_blocks", logger: logger)
            var found = false
            for try await blob in rows.decode(ByteBuffer.self) where !found {
                blob.withUnsafeReadableBytes { b in MessageFingerprint.forEach(in: b) { if $0 == print { found = true } } }
            }
            return found
        }
    }
}
