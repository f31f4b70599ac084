import RapportCore
import RapportIdentity

/// The profiles that recent senders resolved to, by the bytes that decide
/// their identifiers (``IdentifierExtractor/identityKey(of:into:)``).
///
/// `ProfileProjector.lastResolved` skips resolution for a message whose
/// sender is the one just before. In a real stream senders interleave (the
/// demo's 4,000 customers: a third of the events came from another sender
/// than the event before), and each of those was extracted, normalized and
/// planned again, ~2.7 µs, to find that nothing changes. This remembers many
/// senders.
///
/// An entry is only made for a resolution that left every identifier of the
/// message on its profile (no warning, nothing dropped, not an alias), as
/// for `lastResolved`. It stays true while that profile is live:
/// identifiers leave a live profile only when a merge is undone, and then
/// the cache is emptied. A profile that was merged into another is not used
/// (the message is resolved again, and its entry replaced).
struct ResolutionCache {
    struct Entry {
        var workspaceId: WorkspaceID
        var key: [UInt8]
        var owner: ProfileID
    }

    /// By the hash of the key; a collision only costs a miss.
    private var entries: [UInt64: Entry] = [:]
    /// The key being built or looked up, reused.
    private var scratch: [UInt8] = []
    /// Entries kept at most; when full, the cache starts again empty.
    let capacity: Int

    init(capacity: Int = 16_384) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.count }

    /// The profile remembered for `m`'s identity bytes in the workspace.
    mutating func owner(of m: Message, in workspaceId: WorkspaceID) -> ProfileID? {
        guard let hash = keyHash(of: m, in: workspaceId), let entry = entries[hash],
              entry.workspaceId == workspaceId, entry.key == scratch
        else { return nil }
        return entry.owner
    }

    /// Remembers that `m`'s identifiers all belong to `owner`'s profile now.
    mutating func remember(_ m: Message, in workspaceId: WorkspaceID, owner: ProfileID) {
        guard let hash = keyHash(of: m, in: workspaceId) else { return }
        if entries.count >= capacity, entries[hash] == nil { entries.removeAll(keepingCapacity: true) }
        entries[hash] = Entry(workspaceId: workspaceId, key: scratch, owner: owner)
    }

    mutating func removeAll() {
        entries.removeAll()
    }

    /// Builds `m`'s key into `scratch` and hashes it; `nil` if `m` has none.
    private mutating func keyHash(of m: Message, in workspaceId: WorkspaceID) -> UInt64? {
        guard IdentifierExtractor.identityKey(of: m, into: &scratch) else { return nil }
        return scratch.withUnsafeBytes { XXH64.hash($0, seed: UInt64(bitPattern: workspaceId)) }
    }
}
