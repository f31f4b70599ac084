import RapportAudience
import RapportInsights
import RapportCore
import RapportStore

/// A profile as readers see it: the live profile combined with everything
/// merged into it.
public struct ProfileView: Sendable {
    public var id: ProfileID
    public var workspaceId: WorkspaceID
    public var createdAt: Int64
    /// The profiles merged into this one (not including `id`).
    public var mergedProfiles: [ProfileID]
    public var identifiers: [IdentityRecord]
    public var traits: [String: TraitValue]
    public var aggregates: ProfileAggregates
    public var merges: [MergeRecord]
    /// The segments it is in (in evaluation order) and its computed traits' values.
    public var segments: [String] = []
    public var computed: [String: JSONValue] = [:]
    /// Its tags: set by hand (``ProfileAggregates/tags``) or by a rule, by name.
    public var tags: [String] = []
    /// Its lifecycle stage, why and since when, if the workspace has a model and the profile a stage.
    public var stage: ProfileStage?
    /// Its RFM as last worked out, if the workspace has an RFM model and the profile a purchase.
    public var rfm: ProfileRFM?
    /// Its cluster (1-based) and the name the operator gave it, if the workspace has a cluster model and the profile every figure.
    public var cluster: (number: Int, name: String?)?
    /// Its lifetime value figures, if the workspace has an RFM model (its purchases) and enough repeat purchases to fit.
    public var clv: ProfileCLV?
    /// The probability of no purchase in the next `churnHorizonDays`, from the workspace's churn model.
    public var churnRisk: Double?
    public var churnHorizonDays: Int?
}

extension ProfileProjector {
    /// The live profile that `id` is or was merged into; `nil` if unknown.
    public func profile(_ id: ProfileID, workspaceId: WorkspaceID) -> ProfileView? {
        guard let node = graph.nodes[id], node.record.workspaceId == workspaceId else { return nil }
        let live = graph.canonical(id)
        guard let liveNode = graph.nodes[live] else { return nil }
        let c = graph.combined(live)
        var mergeIds = Set<Int64>()
        for p in c.members { mergeIds.formUnion(graph.mergesByProfile[p] ?? []) }
        let merges = mergeIds.sorted().compactMap { graph.merges[$0] }
        let audience = audienceFacts(of: live, workspaceId: workspaceId)
        return ProfileView(
            id: live, workspaceId: workspaceId, createdAt: liveNode.record.createdAt,
            mergedProfiles: c.members.filter { $0 != live }, identifiers: c.identifiers, traits: c.traits,
            aggregates: c.aggregates, merges: merges, segments: audience.segments, computed: audience.computed,
            tags: Set(c.aggregates.tags.keys).union(audience.ruleTags).sorted(),
            stage: stage(of: live, workspaceId: workspaceId), rfm: rfm(of: live, workspaceId: workspaceId),
            cluster: cluster(of: live, workspaceId: workspaceId).map { ($0, clusterModels[workspaceId]?.givenName(of: $0)) },
            clv: clv(of: live, workspaceId: workspaceId), churnRisk: churnRisk(of: live, workspaceId: workspaceId),
            churnHorizonDays: churnModels[workspaceId]?.horizonDays)
    }

    /// The live profile an identifier belongs to.
    public func profileId(for identifier: Identifier, workspaceId: WorkspaceID) -> ProfileID? {
        guard let owner = graph.owners.owner(of: identifier, in: workspaceId) else { return nil }
        return graph.canonical(owner)
    }

    /// Log positions of a live profile's events (its own and those of every
    /// profile merged into it), newest first, before `before` if given.
    public func timelineSeqs(_ id: ProfileID, workspaceId: WorkspaceID, before: Int64?, limit: Int) -> [Int64] {
        let bound = before ?? .max
        var seqs: [Int64] = []
        for p in graph.subtree(graph.canonical(id)) {
            guard let node = graph.nodes[p], node.record.workspaceId == workspaceId else { continue }
            // Each list is ascending: take at most `limit` from below the bound.
            let events = node.events
            var low = 0
            var high = events.count
            while low < high {  // the first index whose position is >= bound
                let mid = low + (high - low) / 2
                if events[mid] < bound { low = mid + 1 } else { high = mid }  // trap-ok: low <= mid < high <= count
            }
            seqs.append(contentsOf: events[max(0, low - max(0, limit))..<low])
        }
        seqs.sort(by: >)
        return Array(seqs.prefix(max(0, limit)))
    }

    /// Live profiles (id, combined view) matching a text: an identifier value
    /// or a trait value (name, email, phone, …), at most `limit`.
    public func search(_ text: String, workspaceId: WorkspaceID, limit: Int) -> [ProfileView] {
        let needle = text.trimmingASCIIWhitespace().lowercased()
        if needle.isEmpty { return [] }
        var found: [ProfileID] = []
        var seen = Set<ProfileID>()
        func add(_ p: ProfileID) {
            let live = graph.canonical(p)
            if seen.insert(live).inserted { found.append(live) }
        }
        if let id = Int64(needle), let node = graph.nodes[ProfileID(id)], node.record.workspaceId == workspaceId {
            add(ProfileID(id))
        }
        graph.owners.forEach(in: workspaceId) { identifier, owner in
            if identifier.value.lowercased().contains(needle) { add(owner) }
            return found.count < limit
        }
        if found.count < limit {
            for (id, node) in graph.nodes where node.record.workspaceId == workspaceId && found.count < limit {
                for (_, t) in node.record.traits {
                    if let s = t.value.stringValue, s.lowercased().contains(needle) {
                        add(id)
                        break
                    }
                }
            }
        }
        return found.prefix(limit).compactMap { profile($0, workspaceId: workspaceId) }
    }

    /// Profile counts for the overview: live profiles, merged-away profiles.
    public func profileCounts(workspaceId: WorkspaceID) -> (live: Int, merged: Int) {
        var live = 0
        var merged = 0
        for (_, node) in graph.nodes where node.record.workspaceId == workspaceId {
            if node.record.mergedInto == nil { live += 1 } else { merged += 1 }
        }
        return (live, merged)
    }

    /// The merge `unmerge` would undo: `mergeId` if given, else the merge
    /// that joined `profile` (a merged-away profile) to its parent, or, for a
    /// live profile, its most recent live merge. Throws if there is none or
    /// it can no longer be undone.
    public func mergeToUndo(profile: ProfileID?, mergeId: Int64?, workspaceId: WorkspaceID) throws -> MergeRecord {
        let chosen: MergeRecord
        if let mergeId {
            guard let m = graph.merges[mergeId], m.workspaceId == workspaceId else {
                throw RapportError(.notFound, "no merge \(mergeId) in this workspace")
            }
            chosen = m
        } else if let profile {
            let live = graph.canonical(profile)
            var candidates: [MergeRecord] = []
            for p in graph.subtree(live) {
                for id in graph.mergesByProfile[p] ?? [] {
                    guard let m = graph.merges[id], m.undoneAt == nil, m.workspaceId == workspaceId else { continue }
                    guard graph.nodes[m.from]?.record.mergedInto == m.into else { continue }
                    if profile == live || m.from == profile { candidates.append(m) }
                }
            }
            guard let latest = candidates.max(by: { $0.id < $1.id }) else {
                throw RapportError(.notFound, "profile \(profile) has no merge to undo")
            }
            chosen = latest
        } else {
            throw RapportError(.invalidArgument, "name a merge or a profile")
        }
        if chosen.undoneAt != nil { throw RapportError(.conflict, "merge \(chosen.id) was already undone") }
        guard graph.nodes[chosen.from]?.record.mergedInto == chosen.into else {
            throw RapportError(.conflict, "profile \(chosen.from) is no longer merged into \(chosen.into)")
        }
        return chosen
    }

    /// A merge as it stands.
    public func merge(id: Int64) -> MergeRecord? { graph.merges[id] }

    /// Undoes a merge, as a `Merge Undone` event in the log says: the
    /// merged-away profile (with everything merged into it) becomes a profile
    /// of its own again, its events and identifiers with it, and the two are
    /// not merged again automatically. Every process applies it at the same
    /// position of the log, so their profiles stay the same. A merge that
    /// cannot be undone (any more) is left as it is.
    func undoMerge(_ mergeId: Int64, workspaceId: WorkspaceID, by actor: String, at time: Int64, seq: Int64) {
        guard var m = graph.merges[mergeId], m.workspaceId == workspaceId, m.undoneAt == nil,
              graph.nodes[m.from]?.record.mergedInto == m.into
        else {
            logger.warning("a Merge Undone event names a merge that cannot be undone; skipped",
                           metadata: ["merge": "\(mergeId)", "seq": "\(seq)"])
            return
        }
        lastResolved = nil  // its profile may be the one split off
        resolutionCache.removeAll()  // and identifiers leave a live profile: the only way they do
        graph.nodes[m.from]?.record.mergedInto = nil
        graph.nodes[m.into]?.members.removeAll { $0 == m.from }
        graph.addBlock(m.from, m.into)
        m.undoneAt = time
        m.undoneBy = actor
        graph.merges[mergeId] = m
        markDirty(m.from)
        audienceTouched[workspaceId, default: []].formUnion([m.from, graph.canonical(m.into)])
        refreshTouchedAudiences()
        newMerges.append(m)
        newBlocks.append((workspaceId, m.from, m.into))
    }
}

extension ProfileProjector {
    /// The most recent merges of a workspace, newest first.
    public func recentMerges(workspaceId: WorkspaceID, limit: Int) -> [MergeRecord] {
        Array(graph.merges.values.filter { $0.workspaceId == workspaceId }.sorted { $0.id > $1.id }.prefix(limit))
    }
}
