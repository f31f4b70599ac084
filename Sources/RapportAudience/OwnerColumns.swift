import Synchronization

/// Each event's owner position, per ``NameTable``, kept between full
/// re-evaluations: the column figures and sequences count by.
///
/// An ordinal's owner changes only when its slot's does (a profile recorded
/// for the first time, merged, or removed), which the ``ProfileTable``
/// notes (``ProfileTable/ownerChanges``). So an update only works out the
/// ordinals appended since the last one and patches the rows of slots whose
/// owner changed; it starts over for another index, or when too many
/// slots changed to be worth patching.
struct OwnerColumns: Sendable {
    /// Per name id: each ordinal's owner position (``ProfileTable/none``:
    /// no live profile); empty for a table not read.
    private(set) var columns: [[UInt32]] = []
    /// The index these columns were worked out for.
    private var generation: UInt64?

    /// Brings the columns of the tables named (every table when `names` is
    /// `nil`) up to date with the index and the table's owners; the others
    /// are dropped.
    mutating func update(index: AudienceIndex, table: ProfileTable, names: Set<String>?) {
        let ownerOfSlot = table.ownerOfSlot
        let wanted = index.tables.indices.map { id in
            names.map { set in id < index.names.items.count && set.contains(index.names.items[id]) } ?? true  // trap-ok: checked
        }
        if generation != index.generation || table.ownerChanges == nil || columns.count > index.tables.count {
            columns = []
        }
        generation = index.generation
        if columns.count < index.tables.count {
            columns.append(contentsOf: repeatElement([], count: index.tables.count - columns.count))
        }
        for id in columns.indices {
            let have = columns[id].count  // trap-ok: indices
            let wantedHere = id < wanted.count && wanted[id]  // trap-ok: checked
            if !wantedHere || have > index.tables[id].count { columns[id] = [] }  // trap-ok: indices; one table per column
        }
        // Slots whose owner changed: their rows already worked out get the new owner.
        for slot in table.ownerChanges ?? [] where Int(slot) < index.bySlot.count {
            let owner = table.owner(slot)
            for r in index.bySlot[Int(slot)] {  // trap-ok: checked
                let row = Int(r)
                guard row < index.rowName.count, row < index.rowOrdinal.count else { continue }  // trap-ok: checked
                let id = Int(index.rowName[row]), k = Int(index.rowOrdinal[row])  // trap-ok: checked
                if id < columns.count, k < columns[id].count { columns[id][k] = owner }  // trap-ok: checked
            }
        }
        // Ordinals appended since: in pieces of at most a million, so both cores share a large table.
        let chunk = 1 << 20
        var pieces: [(table: Int, range: Range<Int>)] = []
        for id in columns.indices where id < wanted.count && wanted[id] {  // trap-ok: checked
            let from = columns[id].count, count = index.tables[id].count  // trap-ok: indices
            for start in stride(from: from, to: count, by: chunk) { pieces.append((id, start..<min(count, start + chunk))) }
        }
        let found = Parallel.map(pieces, cost: { $0.range.count }) { piece in
            index.tables[piece.table].slots[piece.range].map {  // trap-ok: ranges of the table
                Int($0) < ownerOfSlot.count ? ownerOfSlot[Int($0)] : ProfileTable.none  // trap-ok: checked
            }
        }
        for (piece, column) in zip(pieces, found) {
            if columns[piece.table].count == piece.range.lowerBound {  // trap-ok: indices of tables
                columns[piece.table].reserveCapacity(index.tables[piece.table].count)  // trap-ok: as above
            }
            columns[piece.table] += column  // trap-ok: as above
        }
    }

    /// The memory the columns hold, in bytes.
    var approximateBytes: Int { columns.reduce(0) { $0 + $1.capacity * 4 } }
}

/// Numbers each ``AudienceIndex`` made from scratch, so that what was worked
/// out for one is not taken for another's.
enum IndexGenerations {
    private static let last = Atomic<UInt64>(0)

    static func next() -> UInt64 { last.wrappingAdd(1, ordering: .relaxed).newValue }
}
