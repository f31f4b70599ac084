import RapportCore
import RapportIdentity
import RapportStore

/// One profile in memory: its own state, what is attached to it directly, and
/// the profiles merged directly into it.
struct ProfileNode {
    var record: ProfileRecord
    var identifiers: [IdentityRecord] = []
    var members: [ProfileID] = []
    /// Log positions of the events that landed on this profile, ascending
    /// (the timeline; the store keeps them as `event_owners` blobs).
    var events: [Int64] = []
    /// Changed since the projection's last flush.
    var isDirty = false
}

/// The identity graph and profile state of every workspace, in memory.
///
/// Merges are pointers: a merged-away profile keeps its identifiers, traits
/// and aggregates and points (`mergedInto`) to the profile it joined. Reading a
/// profile combines it with everything merged into it, so undoing a merge is
/// clearing one pointer, and nothing is lost or recomputed.
final class ProfileGraph {
    var nodes = ProfileTable()
    var owners = OwnerIndex()
    var blocks: [ProfileID: Set<ProfileID>] = [:]
    var merges: [Int64: MergeRecord] = [:]
    var mergesByProfile: [ProfileID: [Int64]] = [:]
    var nextProfileId: Int64 = 1
    var nextMergeId: Int64 = 1

    init() {}

    init(snapshot: ProjectionSnapshot) {
        for p in snapshot.profiles {
            nodes[p.id] = ProfileNode(record: p)
            nextProfileId = max(nextProfileId, p.id.rawValue + 1)
        }
        for i in snapshot.identities {
            owners.set(i.profileId, for: i.identifier, in: i.workspaceId)
            nodes[i.profileId]?.identifiers.append(i)
        }
        for m in snapshot.merges {
            addMergeRecord(m)
            nextMergeId = max(nextMergeId, m.id + 1)
            // A merge undone just before a crash may not have reached the profile rows yet.
            if m.undoneAt != nil, nodes[m.from]?.record.mergedInto == m.into {
                nodes[m.from]?.record.mergedInto = nil
            }
        }
        for (_, a, b) in snapshot.mergeBlocks { addBlock(a, b) }
        for blob in snapshot.eventOwners {
            EventOwnerCoding.decode(blob) { profile, seq in nodes[profile]?.events.append(seq) }
        }
        for (id, node) in nodes {
            if let parent = node.record.mergedInto { nodes[parent]?.members.append(id) }
        }
        for id in nodes.ids { nodes[id]?.members.sort() }
    }

    func addMergeRecord(_ m: MergeRecord) {
        merges[m.id] = m
        mergesByProfile[m.from, default: []].append(m.id)
        mergesByProfile[m.into, default: []].append(m.id)
    }

    func addBlock(_ a: ProfileID, _ b: ProfileID) {
        blocks[a, default: []].insert(b)
        blocks[b, default: []].insert(a)
    }

    /// The live profile `id` belongs to (itself if not merged away).
    func canonical(_ id: ProfileID) -> ProfileID {
        var current = id
        var hops = 0
        while let next = nodes.mergedInto(current), hops < 1_000 {
            current = next
            hops += 1
        }
        return current
    }

    /// `id` and every profile merged into it, directly or not.
    func subtree(_ id: ProfileID) -> [ProfileID] {
        var out: [ProfileID] = [id]
        var i = 0
        while i < out.count, out.count < 100_000 {
            if let members = nodes[out[i]]?.members { out.append(contentsOf: members) }
            i += 1
        }
        return out
    }

    func identifierCounts(of canonical: ProfileID) -> [String: Int] {
        var counts: [String: Int] = [:]
        for p in subtree(canonical) {
            for i in nodes[p]?.identifiers ?? [] { counts[i.identifier.kind, default: 0] += 1 }
        }
        return counts
    }

    func isMergeBlocked(_ a: ProfileID, _ b: ProfileID) -> Bool {
        if blocks.isEmpty { return false }
        let right = Set(subtree(b))
        for p in subtree(a) {
            if let blocked = blocks[p], !blocked.isDisjoint(with: right) { return true }
        }
        return false
    }

    /// The combined view of a live profile.
    func combined(_ canonical: ProfileID) -> (aggregates: ProfileAggregates, traits: [String: TraitValue],
                                              identifiers: [IdentityRecord], members: [ProfileID])
    {
        var aggregates = ProfileAggregates()
        var traits: [String: TraitValue] = [:]
        var identifiers: [IdentityRecord] = []
        let members = subtree(canonical)
        for p in members {
            guard let node = nodes[p] else { continue }
            aggregates.absorb(node.record.aggregates)
            for (k, t) in node.record.traits where traits[k].map({ t.isNewer(than: $0) }) ?? true {
                traits[k] = t
            }
            identifiers.append(contentsOf: node.identifiers)
        }
        return (aggregates, traits, identifiers, members)
    }
}

/// The graph of one workspace, as the identity planner sees it.
struct WorkspaceLookup: IdentityGraphLookup {
    let graph: ProfileGraph
    let workspaceId: WorkspaceID

    func owner(of identifier: Identifier) -> ProfileID? { graph.owners.owner(of: identifier, in: workspaceId) }
    func canonical(_ profile: ProfileID) -> ProfileID { graph.canonical(profile) }
    func identifierCounts(of canonical: ProfileID) -> [String: Int] { graph.identifierCounts(of: canonical) }
    func isMergeBlocked(_ a: ProfileID, _ b: ProfileID) -> Bool { graph.isMergeBlocked(a, b) }
}
