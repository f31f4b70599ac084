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
        let segments = self.segments
        let (positions, end, bytes) = try await pool.writeWithoutTransaction { db in
            // IMMEDIATE: the write lock is taken before the log's end is read, so no other process can
            // commit between the read and this commit, and the segment bytes written here are after
            // everything committed.
            var result: ([Int64?], Int64, Int) = ([], 0, 0)
            try db.inTransaction(.immediate) {
                let known = dedupe.knownEnd
                try Self.absorbNewerBlocks(db, into: dedupe)
                let fresh = dedupe.fresh(fingerprints)
                let tail = try Self.logTail(db)
                let start = max(known, tail.end)
                var sink = try SegmentSink(db, segments: segments, segment: tail.segment, position: tail.offset)
                var records: [UInt8] = []
                records.reserveCapacity(min(events.count, 4_096) * 1_024)
                let (positions, end, counts) = try LogBlock.writeBlocks(
                    events, prints: fingerprints, fresh: fresh, start: start, records: &records
                ) { first, count, prints, block, records in
                    try sink.close(first: first, count: count, receivedAt: now, prints: prints, block: block,
                                   records: &records)
                }
                try sink.finish(records: &records)
                try Self.addCounts(db, counts)
                // The WAL grows by the rows only (the bytes are in the segments): a few pages a commit.
                result = (positions, end, Int(end - start) * 24 + 3 * 4_096)
                return .commit
            }
            return result
        }
        dedupe.commit(zip(fingerprints, positions).compactMap { $1 == nil ? nil : $0 }, end: end, now: now)
        logCheckpointer.wrote(bytes: bytes)
        return positions
    }

    /// Adds to the dedupe window the fingerprints of the blocks committed
    /// since it last looked (by another process).
    static func absorbNewerBlocks(_ db: Database, into dedupe: DedupeWindow) throws {
        let newer = try Row.fetchCursor(
            db, sql: "SELECT first_seq + count, fingerprints FROM log_blocks WHERE first_seq >= ? ORDER BY first_seq",
            arguments: [dedupe.knownEnd])
        while let row = try newer.next() {
            let blockEnd: Int64 = row[0]
            try row.withUnsafeData(atIndex: 1) { data in
                (data ?? Data()).withUnsafeBytes { dedupe.absorb($0, end: blockEnd) }
            }
        }
    }

    /// Where the log ends: the position after its last event, and the
    /// segment and offset after its last block's bytes.
    static func logTail(_ db: Database) throws -> (end: Int64, segment: Int64, offset: Int64) {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT first_seq + count, segment, seg_offset + seg_length FROM log_blocks ORDER BY first_seq DESC LIMIT 1
            """) else { return (1, 1, 0) }
        return (row[0], row[1], row[2])
    }

    /// Adds events to the counts per workspace, day, source and name.
    static func addCounts(_ db: Database, _ counts: [EventCountKey: Int]) throws {
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
package struct EventCountKey: Hashable {
    package var workspace: Int64
    package var day: Int64
    package var source: Int64
    package var name: String

    package init(_ e: borrowing EventToAppend) {
        workspace = e.workspaceId
        source = e.sourceId
        name = e.message.displayName
        day = Self.day(of: e.message.timestamp)
    }

    /// Days since 1970-01-01 (UTC), rounded down, for any time.
    package static func day(of ms: Int64) -> Int64 {
        ms >= 0 ? ms / 86_400_000 : -((-(ms + 1)) / 86_400_000) - 1
    }
}

/// Indexes blocks in `log_blocks` and writes their bytes to the segments,
/// within one transaction: ``close`` inserts a block's row, ``finish``
/// writes the bytes (before the transaction commits).
struct SegmentSink {
    let segments: LogSegments
    let insert: RawStatement
    /// The segment being written, and the offset in it of `records[0]`.
    var segment: Int64
    var position: Int64

    init(_ db: Database, segments: LogSegments, segment: Int64, position: Int64, table: String = "log_blocks") throws {
        self.segments = segments
        self.segment = max(1, segment)
        self.position = max(0, position)
        insert = try RawStatement(db, sql: """
            INSERT INTO \(table) (first_seq, count, received_at, fingerprints, segment, seg_offset, seg_length)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// Indexes the block at `block` of `records`. A block starting at or past
    /// the segment size starts a new segment: the bytes before it are written
    /// out first.
    mutating func close(first: Int64, count: Int64, receivedAt: Int64, prints: [UInt8], block: Range<Int>,
                        records: inout [UInt8]) throws {
        var block = block
        if position + Int64(block.lowerBound) >= segments.segmentBytes {
            try write(records, upTo: block.lowerBound)
            records.removeSubrange(0..<block.lowerBound)
            block = 0..<block.count
            segment += 1
            position = 0
        }
        insert.bind(1, first)
        insert.bind(2, count)
        insert.bind(3, receivedAt)
        insert.bindBlob(4, prints)
        insert.bind(5, segment)
        insert.bind(6, position + Int64(block.lowerBound))
        insert.bind(7, Int64(block.count))
        try insert.step()
    }

    /// Writes what `records` holds and empties it.
    mutating func finish(records: inout [UInt8]) throws {
        try write(records, upTo: records.count)
        position += Int64(records.count)
        records.removeAll(keepingCapacity: true)
    }

    private func write(_ records: [UInt8], upTo end: Int) throws {
        guard end > 0 else { return }
        try records.withUnsafeBytes { b in
            try segments.write(UnsafeRawBufferPointer(rebasing: b[0..<min(end, b.count)]), segment: segment, offset: position)
        }
    }
}
