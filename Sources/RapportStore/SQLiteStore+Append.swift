import Foundation
import GRDB
import RapportCore

extension SQLiteStore {
    /// Appends the new messages of `events` as blocks, in one transaction.
    ///
    /// Before deciding what is new, it reads the fingerprints of blocks that
    /// another process committed since this one last looked, so dedupe holds
    /// across processes; the fingerprints of this append join the window only
    /// once the transaction has committed, so a failed commit forgets nothing
    /// it should remember and remembers nothing it did not store.
    public func append(_ events: [EventToAppend]) async throws -> [Int64?] {
        if events.isEmpty { return [] }
        let now = clock()
        let fingerprints = events.withUnsafeBufferPointer { buffer -> [MessageFingerprint] in
            // Read through the element pointer: `map` or `buffer[i]` would copy each message.
            guard let base = buffer.baseAddress else { return [] }
            var scratch: [UInt8] = []
            return (0..<buffer.count).map { i in
                MessageFingerprint(sourceId: (base + i).pointee.sourceId,
                                   messageId: (base + i).pointee.message.messageId, scratch: &scratch)
            }
        }
        let dedupe = self.dedupe
        let (positions, end, bytes) = try await pool.write { db in
            let known = dedupe.knownEnd
            let newer = try Row.fetchCursor(
                db, sql: "SELECT first_seq + count, fingerprints FROM log_blocks WHERE first_seq >= ? ORDER BY first_seq",
                arguments: [known])
            while let row = try newer.next() {
                let blockEnd: Int64 = row[0]
                try row.withUnsafeData(atIndex: 1) { data in
                    (data ?? Data()).withUnsafeBytes { dedupe.absorb($0, end: blockEnd) }
                }
            }
            let fresh = dedupe.fresh(fingerprints)
            return try Self.writeBlocks(db, events, prints: fingerprints, fresh: fresh, start: max(known, try Self.logEnd(db)),
                                        now: now)
        }
        dedupe.commit(zip(fingerprints, positions).compactMap { $1 == nil ? nil : $0 }, end: end, now: now)
        logCheckpointer.wrote(bytes: bytes)
        return positions
    }

    /// Writes the fresh events as blocks from position `start`, and counts
    /// them per day, name and source. Returns each event's position (nil
    /// for a retry), the position after the last, and the bytes written.
    static func writeBlocks(
        _ db: Database, _ events: [EventToAppend], prints: [MessageFingerprint], fresh: [Bool], start: Int64, now: Int64
    ) throws -> ([Int64?], Int64, Int) {
        // The hot path of ingestion: bound through SQLite's C API, bodies copied once, into the block.
        let insert = try RawStatement(db, sql: """
            INSERT INTO log_blocks (first_seq, count, received_at, fingerprints, records) VALUES (?, ?, ?, ?, ?)
            """)
        var positions: [Int64?] = []
        positions.reserveCapacity(events.count)
        var records: [UInt8] = []
        records.reserveCapacity(LogBlock.targetBytes * 2)
        var blockPrints: [UInt8] = []
        var next = start
        var first = start
        var bytes = 0
        var counts: [EventCountKey: Int] = [:]
        func closeBlock() throws {
            guard next > first else { return }
            insert.bind(1, first)
            insert.bind(2, next - first)
            insert.bind(3, now)
            insert.bindBlob(4, blockPrints)
            insert.bindBlob(5, records)
            try insert.step()
            bytes += records.count + blockPrints.count + 64
            records.removeAll(keepingCapacity: true)
            blockPrints.removeAll(keepingCapacity: true)
            first = next
        }
        // Through the element pointer: its `pointee` is borrowed, where `for e in events` or
        // `events[i]` copies each message (a retain and a release per string, array, dictionary).
        try events.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for i in 0..<buffer.count {
                guard i < fresh.count, i < prints.count, fresh[i] else {  // trap-ok: bounds checked
                    positions.append(nil)
                    continue
                }
                let e = base + i
                LogBlock.append(e.pointee, to: &records)
                prints[i].write(to: &blockPrints)  // trap-ok: i < prints.count
                positions.append(next)
                next += 1
                counts[EventCountKey(e.pointee), default: 0] += 1
                if records.count >= LogBlock.targetBytes || next - first >= Int64(LogBlock.maxRecords) {
                    try closeBlock()
                }
            }
        }
        try closeBlock()
        let count = try RawStatement(db, sql: """
            INSERT INTO event_counts (workspace_id, day, source_id, name, count) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (workspace_id, day, source_id, name) DO UPDATE SET count = count + excluded.count
            """)
        for (key, n) in counts {
            count.bind(1, key.workspace)
            count.bind(2, key.day)
            count.bind(3, key.source)
            count.bind(4, key.name)
            count.bind(5, Int64(n))
            try count.step()
        }
        return (positions, next, bytes)
    }

    /// Reads the fingerprints of the blocks appended within the window (all of them without one).
    static func loadDedupe(_ db: Database, window: Int64?, now: Int64) throws -> DedupeWindow {
        var prints = DedupeWindow.Generation()
        let rows = try Row.fetchCursor(
            db, sql: "SELECT fingerprints FROM log_blocks WHERE received_at >= ?",
            arguments: [window.map { now.subtractingReportingOverflow($0).partialValue } ?? Int64.min])
        while let row = try rows.next() {
            try row.withUnsafeData(atIndex: 0) { data in
                (data ?? Data()).withUnsafeBytes { b in MessageFingerprint.forEach(in: b) { prints.insert($0) } }
            }
        }
        return DedupeWindow(window: window, now: now, knownEnd: try logEnd(db), fingerprints: prints)
    }
}

/// A row of `event_counts`: events per workspace, UTC day of their time, source and name.
struct EventCountKey: Hashable {
    var workspace: Int64
    var day: Int64
    var source: Int64
    var name: String

    init(_ e: borrowing EventToAppend) {
        workspace = e.workspaceId
        source = e.sourceId
        name = e.message.displayName
        day = Self.day(of: e.message.timestamp)
    }

    /// Days since 1970-01-01 (UTC), rounded down, for any time.
    static func day(of ms: Int64) -> Int64 {
        ms >= 0 ? ms / 86_400_000 : -((-(ms + 1)) / 86_400_000) - 1
    }
}
