import RapportCore

/// Which profile each identifier belongs to, in every workspace: the
/// projection's hottest lookup (two to four an event).
///
/// An open-addressing table (linear probing, at most half full) over an
/// append-only array of entries, keyed by (workspace, kind, value) and hashed
/// with XXH64 under a seed drawn at random per process, so values a client
/// chooses cannot aim at one bucket. The `[WorkspaceID: [Identifier:
/// ProfileID]]` it replaces hashed the workspace and both strings with SipHash
/// (`Hasher`) on every lookup, and copied the inner dictionary out: ~14% of the
/// projection's time (`perf`, `pipeline-profile --pipeline`).
///
/// Identifiers are never removed: an unmerge moves no identifier, it clears a
/// profile's `mergedInto`.
struct OwnerIndex {
    private struct Entry {
        var hash: UInt64
        var workspace: WorkspaceID
        var identifier: Identifier
        var owner: ProfileID
    }

    private var entries: [Entry] = []
    /// An entry's index plus one; 0 marks an empty slot. The count is a power of two.
    private var slots: [UInt32] = Array(repeating: 0, count: 64)
    private let seed: UInt64

    init(seed: UInt64 = .random(in: .min ... .max)) {
        self.seed = seed
    }

    var count: Int { entries.count }

    /// The owner of `identifier` in `workspace`, if any.
    func owner(of identifier: Identifier, in workspace: WorkspaceID) -> ProfileID? {
        let h = hash(identifier, workspace)
        guard let i = find(identifier, workspace, hash: h).entry else { return nil }
        return entries[i].owner  // trap-ok: find returns an index of entries
    }

    /// Makes `owner` the owner of `identifier` in `workspace`.
    mutating func set(_ owner: ProfileID, for identifier: Identifier, in workspace: WorkspaceID) {
        let h = hash(identifier, workspace)
        let found = find(identifier, workspace, hash: h)
        if let i = found.entry {
            entries[i].owner = owner  // trap-ok: find returns an index of entries
            return
        }
        entries.append(Entry(hash: h, workspace: workspace, identifier: identifier, owner: owner))
        if entries.count * 2 > slots.count {
            grow()
        } else {
            slots[found.slot] = UInt32(truncatingIfNeeded: entries.count)  // trap-ok: slot < slots.count
        }
    }

    /// Calls `body` with each identifier of `workspace` and its owner, in the
    /// order they were first seen.
    func forEach(in workspace: WorkspaceID, _ body: (Identifier, ProfileID) -> Bool) {
        for e in entries where e.workspace == workspace {
            if !body(e.identifier, e.owner) { return }
        }
    }

    /// The entry holding the key, or the empty slot where it would go.
    private func find(_ identifier: Identifier, _ workspace: WorkspaceID, hash h: UInt64) -> (entry: Int?, slot: Int) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[s])  // trap-ok: s is masked to the slot count
            if e == 0 { return (nil, s) }
            let entry = entries[e - 1]  // trap-ok: slots hold indexes of entries plus one
            if entry.hash == h, entry.workspace == workspace, entry.identifier == identifier { return (e - 1, s) }
            s = (s + 1) & mask
        }
    }

    private mutating func grow() {
        var size = slots.count * 2
        while entries.count * 2 > size { size *= 2 }
        var fresh = [UInt32](repeating: 0, count: size)
        let mask = size - 1
        for (i, e) in entries.enumerated() {
            var s = Int(truncatingIfNeeded: e.hash) & mask
            while fresh[s] != 0 { s = (s + 1) & mask }  // trap-ok: s is masked to the slot count
            fresh[s] = UInt32(truncatingIfNeeded: i + 1)  // trap-ok: s is masked to the slot count
        }
        slots = fresh
    }

    private func hash(_ identifier: Identifier, _ workspace: WorkspaceID) -> UInt64 {
        let kind = Self.hash(identifier.kind, seed: seed ^ UInt64(bitPattern: workspace))
        return Self.hash(identifier.value, seed: kind)
    }

    private static func hash(_ s: String, seed: UInt64) -> UInt64 {
        if let h = s.utf8.withContiguousStorageIfAvailable({ XXH64.hash(UnsafeRawBufferPointer($0), seed: seed) }) {
            return h
        }
        return Array(s.utf8).withUnsafeBytes { XXH64.hash($0, seed: seed) }
    }
}
