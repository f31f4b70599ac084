import RapportCore

/// The event log's unit of storage: consecutive events in one blob.
///
/// A group commit writes its events as a few blocks instead of a row per
/// event. Writing a row per event cost SQLite 6 µs an event, and the unique
/// index on it 3–4 µs more, inserted at random when clients' clocks differ;
/// a block costs what its bytes cost (measured with `pipeline-profile
/// --log-shapes`). Blocks are kept small (``targetBytes``) so that reading one
/// event, as a profile's timeline does, reads a few pages, not a whole commit.
///
/// A block is a sequence of records, one per event, positions
/// `firstSeq, firstSeq + 1, …`:
///
///     record := workspace source type timestamp receivedAt messageId name body
///     workspace, source, timestamp, receivedAt := zigzag varint
///     type := one byte, the index of the message type in `MessageType.allCases`
///     messageId, name, body := varint length, then that many bytes (UTF-8 / JSON)
///
/// Decoding checks every length and stops at the first malformed record, so
/// a damaged block yields the events before the damage, never a trap.
package enum LogBlock {
    /// A block is closed once it holds this many bytes of records…
    package static let targetBytes = 32 * 1024
    /// …or this many events. Readers rely on it: the block holding position
    /// `p` starts after `p - maxRecords`.
    package static let maxRecords = 1024

    static let types = MessageType.allCases

    package static func append(_ e: borrowing EventToAppend, to out: inout [UInt8]) {
        // Fields are read in place: binding `e.message` to a local would copy the whole message.
        Varint.write(signed: e.workspaceId, to: &out)
        Varint.write(signed: e.sourceId, to: &out)
        out.append(UInt8(types.firstIndex(of: e.message.type) ?? 0))
        Varint.write(signed: e.message.timestamp, to: &out)
        Varint.write(signed: e.message.receivedAt, to: &out)
        writeBytes(e.message.messageId.utf8, to: &out)
        writeBytes(e.message.displayName.utf8, to: &out)
        Varint.write(UInt64(e.message.bodyCount), to: &out)
        e.message.withBody { out.append(contentsOf: $0) }
    }

    private static func writeBytes(_ s: String.UTF8View, to out: inout [UInt8]) {
        Varint.write(UInt64(s.count), to: &out)
        out.append(contentsOf: s)
    }

    /// Decodes the records of a block whose first position is `firstSeq`,
    /// appending to `out` those whose position `wanted` accepts, and stopping
    /// once `out` holds `limit` events. Returns
    /// `false` if the block is malformed; what decoded before the damage is kept.
    @discardableResult
    package static func decode(
        _ b: UnsafeRawBufferPointer, firstSeq: Int64, into out: inout [StoredEvent], limit: Int = .max,
        wanted: (Int64) -> Bool
    ) -> Bool {
        var i = 0
        var seq = firstSeq
        while i < b.count, out.count < limit {
            let want = wanted(seq)
            guard let workspace = Varint.readSigned(b, &i), let source = Varint.readSigned(b, &i), i < b.count
            else { return false }
            let typeIndex = Int(b[i])  // trap-ok: i < count
            i += 1
            guard typeIndex < types.count, let timestamp = Varint.readSigned(b, &i),
                let receivedAt = Varint.readSigned(b, &i), let id = slice(b, &i), let name = slice(b, &i),
                let body = slice(b, &i)
            else { return false }
            if want {
                out.append(StoredEvent(
                    seq: seq, workspaceId: workspace, sourceId: source, messageId: string(b, id),
                    type: types[typeIndex],  // trap-ok: typeIndex < types.count
                    name: string(b, name), timestamp: timestamp, receivedAt: receivedAt,
                    body: Array(UnsafeRawBufferPointer(rebasing: b[body]))))
            }
            seq += 1
        }
        return true
    }

    /// Reads a length and skips that many bytes; the range of those bytes.
    private static func slice(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> Range<Int>? {
        guard let n = Varint.read(b, &i), n <= UInt64(b.count - i) else { return nil }
        let start = i
        i += Int(n)
        return start..<i
    }

    private static func string(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[r]), as: UTF8.self)
    }
}

extension LogBlock {
    /// Encodes the fresh events as blocks from position `start` into
    /// `records`, calling `close` with each block's first position, event
    /// count, fingerprints and range in `records` (which `close` may drain).
    /// Returns each event's position (nil for a retry), the position after
    /// the last, and the events per day, name and source.
    package static func writeBlocks(
        _ events: [EventToAppend], prints: [MessageFingerprint], fresh: [Bool], start: Int64,
        records: inout [UInt8],
        close: (_ first: Int64, _ count: Int64, _ prints: [UInt8], _ block: Range<Int>, _ records: inout [UInt8]) throws -> Void
    ) throws -> ([Int64?], Int64, [EventCountKey: Int]) {
        var positions: [Int64?] = []
        positions.reserveCapacity(events.count)
        var blockPrints: [UInt8] = []
        var blockStart = records.count
        var next = start
        var first = start
        var counts: [EventCountKey: Int] = [:]
        func closeBlock() throws {
            guard next > first else { return }
            try close(first, next - first, blockPrints, blockStart..<records.count, &records)
            blockStart = records.count
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
                if records.count - blockStart >= LogBlock.targetBytes || next - first >= Int64(LogBlock.maxRecords) {
                    try closeBlock()
                }
            }
        }
        try closeBlock()
        return (positions, next, counts)
    }
}
