import RapportCore

/// Profiles in memory, by id. Profile ids are allocated densely, from 1 in
/// one sequence or from W × 2³² + 1 per workspace W (a projection in several
/// partitions), so the table is an array per run of 2³² ids, indexed by the
/// id's low bits (no hashing on the hot path of one sequence; one small
/// dictionary lookup per workspace run). An id whose low bits are past 2³¹
/// (a store written by something else) lands in a dictionary instead of
/// growing an array without bound.
struct ProfileTable: Sequence {
    /// Ids 0 ..< 2³¹.
    private var dense: [ProfileNode?] = []
    /// Ids W × 2³² ..< W × 2³² + 2³¹, by W ≥ 1.
    private var runs: [Int64: [ProfileNode?]] = [:]
    private var sparse: [ProfileID: ProfileNode] = [:]
    private(set) var count = 0
    static let denseLimit: Int64 = 1 << 31

    /// Where an id lives: its run (0: `dense`) and its index there, or `nil` for `sparse`.
    private static func slot(_ id: ProfileID) -> (run: Int64, index: Int)? {
        let raw = id.rawValue
        guard raw >= 0 else { return nil }
        let low = raw & 0xFFFF_FFFF
        guard low < denseLimit else { return nil }
        return (raw >> 32, Int(low))
    }

    subscript(id: ProfileID) -> ProfileNode? {
        // A borrow, not a copy: reading one field (`nodes[id]?.isDirty`) must not retain and
        // release every array and dictionary of the node.
        _read {
            if let (run, i) = Self.slot(id) {
                if run == 0 {
                    yield i < dense.count ? dense[i] : nil  // trap-ok: bounds checked
                } else if let table = runs[run], i < table.count {
                    yield table[i]  // trap-ok: bounds checked
                } else {
                    yield nil
                }
            } else {
                yield sparse[id]
            }
        }
        _modify {
            guard let (run, i) = Self.slot(id) else {
                var value = sparse[id]
                let had = value != nil
                yield &value
                sparse[id] = value
                count += (value != nil ? 1 : 0) - (had ? 1 : 0)
                return
            }
            if run == 0 {
                if i >= dense.count { dense.append(contentsOf: repeatElement(nil, count: i + 1 - dense.count)) }
                let had = dense[i] != nil  // trap-ok: grown above
                yield &dense[i]  // trap-ok: grown above
                count += (dense[i] != nil ? 1 : 0) - (had ? 1 : 0)  // trap-ok: grown above
            } else {
                var table = runs.removeValue(forKey: run) ?? []
                defer { runs[run] = table }
                if i >= table.count { table.append(contentsOf: repeatElement(nil, count: i + 1 - table.count)) }
                let had = table[i] != nil  // trap-ok: grown above
                yield &table[i]  // trap-ok: grown above
                count += (table[i] != nil ? 1 : 0) - (had ? 1 : 0)  // trap-ok: grown above
            }
        }
    }

    // The hot paths of the projection go through these rather than the subscript: a coroutine
    // accessor (`_read`, `_modify`) that is not inlined allocates its frame on the heap, which
    // measured as three mallocs per projected event. These reach the node through the array's
    // buffer pointer, in place: no coroutine, no copy.

    /// The profile `id` was merged into, if it exists and was.
    func mergedInto(_ id: ProfileID) -> ProfileID? {
        guard let (run, i) = Self.slot(id) else { return sparse[id]?.record.mergedInto }
        if run == 0 {
            guard i < dense.count else { return nil }
            return dense.withUnsafeBufferPointer { $0[i]?.record.mergedInto }  // trap-ok: i < count
        }
        guard let table = runs[run], i < table.count else { return nil }
        return table.withUnsafeBufferPointer { $0[i]?.record.mergedInto }  // trap-ok: i < count
    }

    /// Whether profile `id` exists and was not merged into another.
    func isLive(_ id: ProfileID) -> Bool {
        guard let (run, i) = Self.slot(id) else { return sparse[id].map { $0.record.mergedInto == nil } ?? false }
        if run == 0 {
            guard i < dense.count else { return false }
            return dense.withUnsafeBufferPointer { $0[i].map { $0.record.mergedInto == nil } ?? false }  // trap-ok: i < count
        }
        guard let table = runs[run], i < table.count else { return false }
        return table.withUnsafeBufferPointer { $0[i].map { $0.record.mergedInto == nil } ?? false }  // trap-ok: i < count
    }

    /// Calls `body` with the node `id` to change in place; `nil` if there is none.
    mutating func update<R>(_ id: ProfileID, _ body: (inout ProfileNode) -> R) -> R? {
        guard let (run, i) = Self.slot(id) else {
            guard var node = sparse.removeValue(forKey: id) else { return nil }
            defer { sparse[id] = node }
            return body(&node)
        }
        if run == 0 {
            guard i < dense.count else { return nil }
            return Self.update(&dense, i, body)
        }
        guard runs[run] != nil else { return nil }
        // In place: the dictionary's value is modified through its own accessor, not copied out.
        return runs[run, default: []].withUnsafeMutableBufferPointer { buffer -> R? in
            guard i < buffer.count, buffer[i] != nil else { return nil }  // trap-ok: i < count
            return body(&buffer[i]!)  // trap-ok: i < count, and not nil
        }
    }

    private static func update<R>(_ table: inout [ProfileNode?], _ i: Int, _ body: (inout ProfileNode) -> R) -> R? {
        table.withUnsafeMutableBufferPointer { buffer -> R? in
            guard i < buffer.count, buffer[i] != nil else { return nil }  // trap-ok: i < count
            return body(&buffer[i]!)  // trap-ok: i < count, and not nil
        }
    }

    /// Every (id, profile): one sequence's ids in order, then each workspace's run, then the rest.
    func makeIterator() -> AnyIterator<(ProfileID, ProfileNode)> {
        var tables: [(Int64, [ProfileNode?])] = [(0, dense)]
        for run in runs.keys.sorted() { tables.append((run, runs[run] ?? [])) }
        var t = 0
        var i = 0
        var rest = sparse.makeIterator()
        return AnyIterator {
            while t < tables.count {
                let (run, table) = tables[t]  // trap-ok: t < count
                while i < table.count {
                    defer { i += 1 }
                    if let node = table[i] { return (ProfileID(run << 32 | Int64(i)), node) }  // trap-ok: i < count
                }
                t += 1
                i = 0
            }
            return rest.next()
        }
    }

    var ids: [ProfileID] { map(\.0) }
}
