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
enum LogBlock {
    /// A block is closed once it holds this many bytes of records…
    static let targetBytes = 32 * 1024
    /// …or this many events. Readers rely on it: the block holding position
    /// `p` starts after `p - maxRecords`.
    static let maxRecords = 1024

    static let types = MessageType.allCases

    static func append(_ e: borrowing EventToAppend, to out: inout [UInt8]) {
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
    static func decode(
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
