import RapportCore

/// Profiles in memory, by id. Profile ids are allocated densely from 1, so
/// the table is an array indexed by id (no hashing on the hot path); an id
/// outside the dense range (a store written by something else) lands in a
/// dictionary instead of growing the array without bound.
struct ProfileTable: Sequence {
    private var dense: [ProfileNode?] = []
    private var sparse: [ProfileID: ProfileNode] = [:]
    private(set) var count = 0
    static let denseLimit: Int64 = 1 << 31

    private static func index(_ id: ProfileID) -> Int? {
        id.rawValue >= 0 && id.rawValue < denseLimit ? Int(id.rawValue) : nil
    }

    subscript(id: ProfileID) -> ProfileNode? {
        // A borrow, not a copy: reading one field (`nodes[id]?.isDirty`) must not retain and
        // release every array and dictionary of the node.
        _read {
            if let i = Self.index(id), i < dense.count {
                yield dense[i]  // trap-ok: bounds checked
            } else if Self.index(id) == nil {
                yield sparse[id]
            } else {
                yield nil
            }
        }
        _modify {
            guard let i = Self.index(id) else {
                var value = sparse[id]
                let had = value != nil
                yield &value
                sparse[id] = value
                count += (value != nil ? 1 : 0) - (had ? 1 : 0)
                return
            }
            if i >= dense.count {
                dense.append(contentsOf: repeatElement(nil, count: i + 1 - dense.count))
            }
            let had = dense[i] != nil  // trap-ok: grown above
            yield &dense[i]  // trap-ok: grown above
            count += (dense[i] != nil ? 1 : 0) - (had ? 1 : 0)  // trap-ok: grown above
        }
    }

    // The hot paths of the projection go through these rather than the subscript: a coroutine
    // accessor (`_read`, `_modify`) that is not inlined allocates its frame on the heap, which
    // measured as three mallocs per projected event. These reach the node through the array's
    // buffer pointer, in place: no coroutine, no copy.

    /// The profile `id` was merged into, if it exists and was.
    func mergedInto(_ id: ProfileID) -> ProfileID? {
        guard let i = Self.index(id) else { return sparse[id]?.record.mergedInto }
        guard i < dense.count else { return nil }
        return dense.withUnsafeBufferPointer { $0[i]?.record.mergedInto }  // trap-ok: i < count
    }

    /// Whether profile `id` exists and was not merged into another.
    func isLive(_ id: ProfileID) -> Bool {
        guard let i = Self.index(id) else { return sparse[id].map { $0.record.mergedInto == nil } ?? false }
        guard i < dense.count else { return false }
        return dense.withUnsafeBufferPointer { $0[i].map { $0.record.mergedInto == nil } ?? false }  // trap-ok: i < count
    }

    /// Calls `body` with the node `id` to change in place; `nil` if there is none.
    mutating func update<R>(_ id: ProfileID, _ body: (inout ProfileNode) -> R) -> R? {
        guard let i = Self.index(id) else {
            guard var node = sparse.removeValue(forKey: id) else { return nil }
            defer { sparse[id] = node }
            return body(&node)
        }
        guard i < dense.count else { return nil }
        return dense.withUnsafeMutableBufferPointer { buffer -> R? in
            guard buffer[i] != nil else { return nil }  // trap-ok: i < count
            return body(&buffer[i]!)  // trap-ok: i < count, and not nil
        }
    }

    /// Every (id, profile), dense ids in order first.
    func makeIterator() -> AnyIterator<(ProfileID, ProfileNode)> {
        var i = 0
        var rest = sparse.makeIterator()
        let dense = self.dense
        return AnyIterator {
            while i < dense.count {
                defer { i += 1 }
                if let node = dense[i] { return (ProfileID(Int64(i)), node) }  // trap-ok: i < count
            }
            return rest.next()
        }
    }

    var ids: [ProfileID] { map(\.0) }
}
