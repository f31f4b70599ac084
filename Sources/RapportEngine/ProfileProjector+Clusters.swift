import RapportAudience
import RapportCore
import RapportStore

/// A workspace's clusters now: each cluster's size and centre.
public struct ClusterOverview: Sendable {
    public struct Cluster: Sendable, Hashable {
        /// 1-based.
        public var number: Int
        public var name: String
        /// Live profiles in it now.
        public var size: Int
        /// Its centroid in the features' units, one figure per feature.
        public var centre: [Double]
        /// Its centroid as fitted (standardised: 0 is the average customer, 1 one deviation above).
        public var standardised: [Double]
    }

    public var model: ClusterModel
    public var clusters: [Cluster]
    /// Live profiles without every figure (no cluster).
    public var unassigned: Int
}

/// Clusters as a profile attribute: the workspace's fitted ``ClusterModel``
/// puts each live profile in the cluster whose centroid is nearest to its
/// figures, read as conditions read them (computed traits as last
/// evaluated, RFM as last worked out, traits).
///
/// A profile's cluster is worked out again after each of its events (once
/// its computed traits are current, so a new customer has one at once), for
/// everyone after definitions change or a rebuild, and at each tick when
/// the figures change with time (RFM, windowed traits). Segments that test
/// `cluster` are evaluated again for the profiles that moved.
extension ProfileProjector {
    /// Works out the clusters of `ids` (every live profile when `nil`) and
    /// re-evaluates the profiles that moved, if some segment tests `cluster`.
    func refreshClusters(workspaceId ws: WorkspaceID, only ids: [ProfileID]? = nil) {
        guard !audienceStale else { return }
        guard let model = clusterModels[ws], model.fit != nil else {
            if clusterOf.removeValue(forKey: ws) != nil, audiences[ws]?.reads(attribute: "cluster") == true {
                refreshAllAudiences(workspaceId: ws)
            }
            return
        }
        let audience = audiences[ws] ?? Audience()
        var map = clusterOf[ws] ?? [:]
        var changed: [ProfileID] = []
        if let ids {
            for id in ids where graph.nodes.isLive(id) {
                let c = audience.figures(model, of: audienceProfile(id)).flatMap(model.cluster(of:))
                if map[id] != c {
                    map[id] = c
                    changed.append(id)
                }
            }
        } else {
            let old = map
            map = [:]
            for id in liveProfiles(workspaceId: ws) {
                if let c = audience.figures(model, of: audienceProfile(id)).flatMap(model.cluster(of:)) { map[id] = c }
            }
            for (id, c) in map where old[id] != c { changed.append(id) }
            for id in old.keys where map[id] == nil { changed.append(id) }
        }
        clusterOf[ws] = map
        guard !changed.isEmpty, audiences[ws]?.reads(attribute: "cluster") == true else { return }
        if changed.count * 8 > max(1, audiences[ws]?.liveCount ?? 0) {
            refreshAllAudiences(workspaceId: ws)
            return
        }
        let now = clock.nowMillis()
        for id in changed.sorted() where graph.nodes.isLive(id) {
            if let changes = audiences[ws]?.refresh(audienceProfile(id), now: now) { recordMembership(changes, workspaceId: ws) }
        }
    }

    /// Whether the model's figures change with time alone: RFM (worked out
    /// at each tick) or a computed trait over a window up to now.
    func clustersChangeWithTime(workspaceId ws: WorkspaceID) -> Bool {
        guard let model = clusterModels[ws] else { return false }
        let traits = audiences[ws]?.traits ?? []
        return model.features.contains { f in
            let path = f.path
            if path.first == "rfm" { return true }
            return path.count == 1 && traits.contains { $0.name == path.first && $0.expression.dependsOnTime }
        }
    }

    /// The model fitted on the workspace's live profiles as they are now
    /// (those with every figure, by ascending id). Not stored: the engine saves it.
    ///
    /// - Throws: `RapportError` for a bad model or too few profiles.
    public func fitClusters(_ model: ClusterModel, workspaceId ws: WorkspaceID) async throws -> ClusterModel {
        if let problem = model.unfitted.problem { throw RapportError(.invalidArgument, problem) }
        // Computed traits as last evaluated (the rebuild evaluates them); the rest comes from the profile itself.
        try await ensureAudienceIndex()
        let audience = audiences[ws] ?? Audience()
        var rows: [[Double]] = []
        for id in liveProfiles(workspaceId: ws) {
            if let f = audience.figures(model, of: audienceProfile(id)) { rows.append(f) }
        }
        return try model.unfitted.fitted(on: rows, at: clock.nowMillis())
    }

    /// A live profile's cluster (1-based); `nil` without a model or a figure.
    public func cluster(of id: ProfileID, workspaceId ws: WorkspaceID) -> Int? {
        clusterOf[ws]?[graph.canonical(id)]
    }

    /// The workspace's cluster model with its fit, if it has one.
    public func clusterModel(workspaceId ws: WorkspaceID) -> ClusterModel? { clusterModels[ws] }

    /// Each cluster's size now and centre.
    public func clusterOverview(workspaceId ws: WorkspaceID) -> ClusterOverview? {
        guard let model = clusterModels[ws], let fit = model.fit else { return nil }
        var sizes = [Int](repeating: 0, count: fit.centroids.count)
        for c in (clusterOf[ws] ?? [:]).values where c >= 1 && c <= sizes.count { sizes[c - 1] += 1 }  // trap-ok: checked
        let clusters = fit.centroids.enumerated().map { i, centroid in
            ClusterOverview.Cluster(number: i + 1, name: model.name(of: i + 1), size: sizes[i],  // trap-ok: one size per centroid
                                    centre: model.centre(of: i + 1), standardised: centroid)
        }
        let assigned = sizes.reduce(0, +)
        let live = liveProfiles(workspaceId: ws).count
        return ClusterOverview(model: model, clusters: clusters, unassigned: max(0, live - assigned))
    }
}
