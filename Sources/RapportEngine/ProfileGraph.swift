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
    /// Whether new ids are numbered per workspace (see ``newProfileId(in:)``).
    var idsPerWorkspace = false
    var nextProfileIds: [WorkspaceID: Int64] = [:]
    var nextMergeIds: [WorkspaceID: Int64] = [:]

    /// Ids numbered per workspace start at the workspace's id times this.
    static let workspaceIdStride: Int64 = 1 << 32

    init() {}

    /// The graph as of a snapshot. With `idsPerWorkspace` (a projection in
    /// several partitions), new profiles and merges are numbered per
    /// workspace; otherwise in one sequence.
    init(snapshot: ProjectionSnapshot, idsPerWorkspace: Bool = false) {
        self.idsPerWorkspace = idsPerWorkspace
        for p in snapshot.profiles {
            nodes[p.id] = ProfileNode(record: p)
            nextProfileId = max(nextProfileId, p.id.rawValue + 1)
            Self.noteRanged(p.id.rawValue, in: &nextProfileIds)
        }
        for i in snapshot.identities {
            owners.set(i.profileId, for: i.identifier, in: i.workspaceId)
            nodes[i.profileId]?.identifiers.append(i)
        }
        for m in snapshot.merges {
            addMergeRecord(m)
            nextMergeId = max(nextMergeId, m.id + 1)
            Self.noteRanged(m.id, in: &nextMergeIds)
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

    /// A new profile id for a workspace.
    ///
    /// In one sequence, the next id is one past the highest loaded, and ids
    /// follow the log's order. That order is only reproducible by a process
    /// that replays the whole log from one checkpoint; with several
    /// partitions, each replays its workspaces from its own, so ids are
    /// numbered per workspace instead: workspace W's run from W × 2³² + 1
    /// (workspace 1's first profile is 4294967297), one past the highest id
    /// in that range. Ids given before (small numbers) stay as they are.
    func newProfileId(in workspace: WorkspaceID) -> ProfileID {
        ProfileID(Self.next(in: workspace, ranged: &nextProfileIds, global: &nextProfileId, perWorkspace: idsPerWorkspace))
    }

    /// A new merge id for a workspace, numbered as ``newProfileId(in:)`` numbers profiles.
    func newMergeId(in workspace: WorkspaceID) -> Int64 {
        Self.next(in: workspace, ranged: &nextMergeIds, global: &nextMergeId, perWorkspace: idsPerWorkspace)
    }

    private static func next(in workspace: WorkspaceID, ranged: inout [WorkspaceID: Int64], global: inout Int64,
                             perWorkspace: Bool) -> Int64 {
        // Workspace ids come from the store's own sequence; one outside the range numbers in the sequence.
        guard perWorkspace, workspace > 0, workspace < Int64(Int32.max) else {
            let id = global
            global &+= 1
            return id
        }
        let id = ranged[workspace] ?? workspace &* workspaceIdStride &+ 1
        ranged[workspace] = id &+ 1
        global = max(global, id &+ 1)
        return id
    }

    /// Counts an existing id in its workspace's range, if it is in one.
    private static func noteRanged(_ id: Int64, in ranged: inout [WorkspaceID: Int64]) {
        let workspace = id / workspaceIdStride
        guard workspace > 0 else { return }
        ranged[workspace] = max(ranged[workspace] ?? 0, id &+ 1)
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
