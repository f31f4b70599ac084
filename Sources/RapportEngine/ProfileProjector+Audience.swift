import Logging
import RapportAudience
import RapportCore
import RapportStore

/// Segments and computed traits, kept current as the projection applies
/// events.
///
/// Every applied event is appended to its workspace's ``AudienceIndex``;
/// after each batch the live profiles it touched are evaluated again
/// (``Audience/refresh(_:now:)``). After a load the indexes lack the logged
/// history, so they are rebuilt from the log the first time a workspace has
/// definitions (``ensureAudienceIndex()``).
extension ProfileProjector {
    /// Sets a workspace's segments and computed traits and evaluates them for
    /// every live profile. Rebuilds the indexes from the log first if they
    /// lack history or the event paths the new definitions read.
    ///
    /// - Throws: ``ConditionError`` for bad references (nothing changes then),
    ///   or the store's error reading the log.
    public func define(workspaceId: WorkspaceID, segments: [SegmentDefinition], traits: [ComputedTrait]) async throws {
        try await define(workspaceId: workspaceId,
                         WorkspaceDefinitions(segments: segments, traits: traits, lifecycle: nil))
    }

    /// Sets a workspace's definitions (``parsedDefinitions(workspaceId:replacing:deleting:)``)
    /// and evaluates them for every live profile.
    public func define(workspaceId: WorkspaceID, _ definitions: WorkspaceDefinitions) async throws {
        var audience = audiences[workspaceId] ?? Audience()
        try audience.define(segments: definitions.segments, traits: definitions.traits)
        audiences[workspaceId] = audience
        lifecycles[workspaceId] = definitions.lifecycleSpec
        rfmModels[workspaceId] = definitions.rfm
        clvFittedAt[workspaceId] = nil  // fitted again at once, on the model's purchases
        if let rfm = definitions.rfm { audiences[workspaceId]?.index.register([rfm.eventPath]) }
        clusterModels[workspaceId] = definitions.clusters
        if audiences[workspaceId]?.index.needsRebuild == true { audienceStale = true }
        // A rebuild evaluates every workspace already.
        if try await !ensureAudienceIndex() {
            refreshAllAudiences(workspaceId: workspaceId)
            refreshRFM(workspaceId: workspaceId)
            refreshClusters(workspaceId: workspaceId)
        }
        reconcileAnnouncements(workspaceId: workspaceId)
    }

    /// Workspaces with segments or computed traits.
    public func definedWorkspaces() -> [WorkspaceID] {
        audiences.filter { !$0.value.isEmpty }.keys.sorted()
    }

    /// The workspace's definitions, parsed; a stored one that no longer
    /// parses is left out and logged (the store holds only checked text).
    ///
    /// Lifecycle stages and rule tags come back as segments under reserved
    /// names (``LifecycleStages``, ``TagRules``), and every test of `stage`
    /// reads the stages' segments.
    public func parsedDefinitions(workspaceId: WorkspaceID, replacing changed: DefinitionRecord? = nil,
                                  deleting deleted: (DefinitionKind, String)? = nil) async throws
        -> WorkspaceDefinitions
    {
        var records = try await store.definitions(workspaceId: workspaceId, kind: nil)
        records.removeAll { r in
            (changed.map { $0.kind == r.kind && $0.name == r.name } ?? false)
                || (deleted.map { $0.0 == r.kind && $0.1 == r.name } ?? false)
        }
        if let changed { records.append(changed) }
        var segments: [SegmentDefinition] = []
        var traits: [ComputedTrait] = []
        var rules: [(tag: String, condition: Condition)] = []
        var lifecycle: LifecycleModel?
        var rfm: RFMModel?
        var clusters: ClusterModel?
        var stages: [(name: String, condition: Condition)] = []
        for r in records {
            do {
                switch r.kind {
                case .segment: segments.append(SegmentDefinition(name: r.name, condition: try Condition.parse(r.body)))
                case .trait: traits.append(try ComputedTrait(name: r.name, text: r.body))
                case .tag: if !r.body.isEmpty { rules.append((r.name, try Condition.parse(r.body))) }
                case .lifecycle:
                    let model = try LifecycleModel(json: r.body)
                    stages = try model.parsed()
                    lifecycle = model
                case .rfm: rfm = try RFMModel(json: r.body)
                case .cluster:
                    let model = try ClusterModel(json: r.body)
                    if let problem = model.problem { throw RapportError(.invalidArgument, problem) }
                    clusters = model
                }
            } catch {
                logger.error("stored definition does not parse", metadata: [
                    "workspace": "\(r.workspaceId)", "kind": "\(r.kind.rawValue)", "name": "\(r.name)", "error": "\(error)",
                ])
            }
        }
        traits.sort { $0.name < $1.name }
        let names = stages.map(\.name)
        segments = segments.map { SegmentDefinition(name: $0.name, condition: $0.condition.resolvingStage(names)) }
            + LifecycleStages.segments(stages)
        rules = rules.map { ($0.tag, $0.condition.resolvingStage(names)) }
        return WorkspaceDefinitions(segments: TagRules.segments(segments, rules: rules), traits: traits,
                                    lifecycle: lifecycle, rfm: rfm, clusters: clusters)
    }

    /// Applies the stored definitions of every workspace when they changed
    /// (at start-up, and when another process — the CLI — changed them), and
    /// rebuilds the indexes after a load.
    public func applyStoredDefinitionsIfChanged() async throws {
        let version = try await store.definitionsVersion()
        if version != appliedDefinitionsVersion {
            let records = try await store.definitions(workspaceId: nil, kind: nil)
            var workspaces = Set(records.map(\.workspaceId))
            workspaces.formUnion(definedWorkspaces())
            for ws in workspaces.sorted() {
                let definitions = try await parsedDefinitions(workspaceId: ws)
                do {
                    try await define(workspaceId: ws, definitions)
                } catch let e as ConditionError {
                    logger.error("stored definitions refused", metadata: ["workspace": "\(ws)", "error": "\(e)"])
                }
            }
            appliedDefinitionsVersion = version
        }
        if audienceStale, audiences.values.contains(where: { !$0.isEmpty }) { try await ensureAudienceIndex() }
    }

    /// Re-evaluates every profile of the workspaces whose definitions depend
    /// on time (`within 30 days`, `14 days ago`): the scheduler's tick.
    public func refreshTimeDependentAudiences() {
        guard !audienceStale else { return }
        let now = clock.nowMillis()
        for ws in rfmModels.keys.sorted() { refreshRFM(workspaceId: ws) }
        for ws in audiences.keys.sorted() where audiences[ws]?.dependsOnTime == true {
            if audiences[ws]?.needsProfiles == true {
                refreshAllAudiences(workspaceId: ws)
            } else if let changes = audiences[ws]?.reevaluate(now: now) {
                recordMembership(changes, workspaceId: ws)
            }
        }
        for ws in clusterModels.keys.sorted() where clustersChangeWithTime(workspaceId: ws) { refreshClusters(workspaceId: ws) }
    }

    /// The workspace's audience (definitions, index, members), if it has one.
    public func audience(workspaceId: WorkspaceID) -> Audience? { audiences[workspaceId] }

    /// The live profiles in a segment, ascending; `nil` if there is no such segment.
    public func segmentMembers(workspaceId: WorkspaceID, segment: String) -> [ProfileID]? {
        audiences[workspaceId]?.members(of: segment)
    }

    /// The number of live profiles in a segment; `nil` if there is no such segment.
    public func segmentSize(workspaceId: WorkspaceID, segment: String) -> Int? {
        audiences[workspaceId]?.size(of: segment)
    }

    /// A live profile's segments, computed values and the tags rules give it.
    public func audienceFacts(of id: ProfileID, workspaceId: WorkspaceID)
        -> (segments: [String], computed: [String: JSONValue], ruleTags: [String])
    {
        let live = graph.canonical(id)
        guard let a = audiences[workspaceId] else { return ([], [:], []) }
        var segments: [String] = []
        var ruleTags: [String] = []
        for s in a.segments(of: live) {
            if let t = TagRules.tag(ofSegment: s) { ruleTags.append(t) } else if !LifecycleStages.isHidden(s) { segments.append(s) }
        }
        return (segments, a.computed(of: live), ruleTags)
    }

    /// Evaluates a condition for every live profile of the workspace without
    /// saving it (a preview): the matching profiles, ascending.
    public func preview(_ condition: Condition, workspaceId: WorkspaceID) async throws -> [ProfileID] {
        audiences[workspaceId, default: Audience()].index.register(condition.eventPathsReferred)
        if audiences[workspaceId]?.index.needsRebuild == true { audienceStale = true }
        try await ensureAudienceIndex()
        guard let audience = audiences[workspaceId] else { return [] }
        let now = clock.nowMillis()
        var out: [ProfileID] = []
        for id in liveProfiles(workspaceId: workspaceId) where audience.matches(condition, audienceProfile(id), now: now) {
            out.append(id)
        }
        return out
    }

    /// Evaluates every live profile of the workspace from scratch, giving
    /// the audience each profile's traits again (after definitions change or
    /// a rebuild).
    public func refreshAllAudiences(workspaceId: WorkspaceID) {
        guard !audienceStale, audiences[workspaceId]?.isEmpty == false else { return }
        let now = clock.nowMillis()
        let views = liveProfiles(workspaceId: workspaceId).map(audienceProfile)
        if let changes = audiences[workspaceId]?.refresh(all: views, now: now) {
            recordMembership(changes, workspaceId: workspaceId)
        }
    }

    /// Live profiles of a workspace, ascending.
    func liveProfiles(workspaceId: WorkspaceID) -> [ProfileID] {
        var out: [ProfileID] = []
        for (id, node) in graph.nodes where node.record.workspaceId == workspaceId && node.record.mergedInto == nil {
            out.append(id)
        }
        return out.sorted()
    }

    /// A live profile as its conditions see it.
    func audienceProfile(_ id: ProfileID) -> AudienceProfile {
        let combined = graph.combined(id)
        var attributes: [String: JSONValue] = [:]
        if combined.aggregates.firstSeen != .max {
            attributes["first_seen"] = .string(Timestamp.formatISO8601(combined.aggregates.firstSeen))
        }
        if combined.aggregates.lastSeen != .min {
            attributes["last_seen"] = .string(Timestamp.formatISO8601(combined.aggregates.lastSeen))
        }
        if let ws = graph.nodes[id]?.record.workspaceId {
            if let rfm = rfmScores[ws]?[id] { attributes["rfm"] = rfm.json }
            if let clv = clvScores[ws]?[id] { attributes["clv"] = clv.json }
            if let risk = churnRisk[ws]?[id] { attributes["churn"] = .object(["risk": .number((risk * 10_000).rounded() / 10_000)]) }
            if let c = clusterOf[ws]?[id] { attributes["cluster"] = .number(Double(c)) }
        }
        attributes["known"] = .bool(combined.identifiers.contains {
            $0.identifier.kind != Identifier.Kind.anonymousId && $0.identifier.kind != Identifier.Kind.deviceId
        })
        return AudienceProfile(id: id, members: combined.members, traits: combined.traits.mapValues(\.value),
                               tags: Set(combined.aggregates.tags.keys), attributes: attributes)
    }

    /// Appends an applied event to its workspace's index and notes its profile for evaluation.
    func index(_ e: borrowing ProjectableEvent, owner: ProfileID) {
        if ownersDuringRebuild != nil { ownersDuringRebuild?[e.seq] = owner }
        guard !audienceStale else { return }
        let ws = e.workspaceId
        if Self.append(e.message, source: e.sourceId, owner: owner, to: &audiences[ws, default: Audience()])
            || clusterModels[ws] != nil {
            audienceTouched[ws, default: []].insert(owner)
        }
    }

    /// Appends a message to an audience's index; whether the audience has definitions to evaluate.
    static func append(_ m: Message, source: SourceID, owner: ProfileID, to audience: inout Audience) -> Bool {
        let (properties, context) = audience.index.readsBodies ? EventBody.propertiesAndContext(m) : (nil, nil)
        audience.index.append(profile: owner, name: m.displayName, time: m.timestamp,
                              properties: properties, context: context, source: source)
        return !audience.isEmpty
    }

    /// Evaluates the profiles touched since the last call; profiles merged away leave their segments.
    func refreshTouchedAudiences() {
        if audienceTouched.isEmpty && audienceRemoved.isEmpty { return }
        guard !audienceStale else {
            audienceTouched.removeAll()
            audienceRemoved.removeAll()
            return
        }
        for (ws, p) in audienceRemoved {
            clusterOf[ws]?.removeValue(forKey: p)
            if let changes = audiences[ws]?.remove(p) { recordMembership(changes, workspaceId: ws) }
        }
        audienceRemoved.removeAll()
        let touched = audienceTouched
        audienceTouched.removeAll()
        let now = clock.nowMillis()
        for (ws, profiles) in touched {
            let evaluates = audiences[ws]?.isEmpty == false
            guard evaluates || clusterModels[ws] != nil else { continue }
            var live: Set<ProfileID> = []
            for p in profiles { live.insert(graph.canonical(p)) }
            let ids = live.sorted().filter { graph.nodes.isLive($0) }
            if evaluates {
                for id in ids {
                    if let changes = audiences[ws]?.refresh(audienceProfile(id), now: now) { recordMembership(changes, workspaceId: ws) }
                }
            }
            // After the computed traits they may read: a new customer joins the nearest cluster at once.
            if clusterModels[ws] != nil { refreshClusters(workspaceId: ws, only: ids) }
        }
    }

    /// Rebuilds every workspace's index from the log if it lacks history
    /// (after a load) or paths registered since it was built (both mark the
    /// indexes stale), and then
    /// evaluates every profile. Returns whether it rebuilt.
    @discardableResult
    public func ensureAudienceIndex() async throws -> Bool {
        while isRebuildingAudience {
            await withCheckedContinuation { rebuildWaiters.append($0) }
        }
        guard audienceStale else { return false }
        isRebuildingAudience = true
        defer {
            isRebuildingAudience = false
            let waiters = rebuildWaiters
            rebuildWaiters.removeAll()
            for w in waiters { w.resume() }
        }
        // Loaded with partitions at different checkpoints, the state of a partition loaded further than
        // what is applied is ahead of its events here: catch up to the furthest first, so that what is
        // evaluated (and announced) is one moment of every workspace.
        if applied < skipsThrough { try await catchUp(through: skipsThrough) }
        // The profile each logged event landed on, from the timelines, up to what is applied now: as the
        // profile's place in `profileIds` (1-based), whatever the ids' values.
        let bound = applied
        var ownerOf = [UInt32](repeating: 0, count: Int(clamping: max(0, min(bound, Int64(Int32.max)))))
        var ownerOfLarge: [Int64: ProfileID] = [:]
        var profileIds: [ProfileID] = []
        for (id, node) in graph.nodes {
            profileIds.append(id)
            let place = UInt32(truncatingIfNeeded: profileIds.count)
            for seq in node.events {
                if seq >= 1, seq <= ownerOf.count, profileIds.count < Int(UInt32.max) {
                    ownerOf[Int(seq - 1)] = place  // trap-ok: 1 ≤ seq ≤ count
                } else {
                    ownerOfLarge[seq] = id
                }
            }
        }
        ownersDuringRebuild = [:]
        defer { ownersDuringRebuild = nil }
        var fresh: [WorkspaceID: AudienceIndex] = [:]
        for (ws, a) in audiences { fresh[ws] = a.index.emptied() }
        // What the log announced is read along, the first time after a load.
        let readsAnnouncements = !announcedFromLog
        if readsAnnouncements {
            announcements.removeAll()
            segmentHistory.removeAll()
            stageAnnouncements.removeAll()
            stageFlows.removeAll()
        }
        var position: Int64 = 0
        reading: while position < applied {
            // Also what is applied meanwhile; the swap below follows the last read with no suspension in between.
            let events = try await store.events(after: position, limit: 5_000)
            if events.isEmpty { break }
            for e in events {
                if e.seq > applied { break reading }
                position = e.seq
                if e.sourceId == RapportSource.id {
                    if readsAnnouncements { adoptAnnouncement(e) }
                    continue
                }
                let owner: ProfileID?
                if e.seq >= 1, e.seq <= ownerOf.count, ownerOf[Int(e.seq - 1)] != 0,  // trap-ok: 1 ≤ seq ≤ count
                   Int(ownerOf[Int(e.seq - 1)]) <= profileIds.count {  // trap-ok: as above
                    owner = profileIds[Int(ownerOf[Int(e.seq - 1)]) - 1]  // trap-ok: 1 ≤ place ≤ count
                } else {
                    owner = ownerOfLarge[e.seq] ?? ownersDuringRebuild?[e.seq]
                }
                guard let owner else { continue }
                let (properties, context) = fresh[e.workspaceId]?.readsBodies == true
                    ? e.body.withUnsafeBufferPointer { EventBody.propertiesAndContext($0) } : (nil, nil)
                fresh[e.workspaceId, default: AudienceIndex()].append(
                    profile: owner, name: e.name, time: e.timestamp, properties: properties, context: context,
                    source: e.sourceId)
            }
        }
        for (ws, index) in fresh { audiences[ws, default: Audience()].index = index }
        audienceStale = false
        audienceTouched.removeAll()
        audienceRemoved.removeAll()
        for ws in audiences.keys { refreshAllAudiences(workspaceId: ws) }
        for ws in rfmModels.keys.sorted() { refreshRFM(workspaceId: ws) }
        for ws in clusterModels.keys.sorted() { refreshClusters(workspaceId: ws) }
        announcedFromLog = true
        for ws in Set(audiences.keys).union(announcements.keys).sorted() { reconcileAnnouncements(workspaceId: ws) }
        return true
    }

    /// Takes the transition a logged segment or lifecycle event announced.
    private func adoptAnnouncement(_ e: StoredEvent) {
        guard e.name == SegmentEvent.entered || e.name == SegmentEvent.exited || e.name == LifecycleEvent.changed,
              let m = try? decoder.decodeMessage(e.body, type: e.type, receivedAt: e.receivedAt),
              let profile = OwnEvent.profile(of: m) else { return }
        adoptAnnouncement(m, profile: profile, workspaceId: e.workspaceId)
    }

    /// Takes what a segment or lifecycle event says, and counts it in the size history and the flows.
    func adoptAnnouncement(_ m: Message, profile: ProfileID, workspaceId ws: WorkspaceID) {
        if let t = SegmentEvent.transition(of: m) {
            announcements[ws, default: SegmentAnnouncements()].adopt(
                segment: t.segment, profile: profile, entered: t.entered, transition: t.transition)
            segmentHistory[ws, default: [:]][t.segment, default: SegmentHistory()].count(entered: t.entered, at: m.timestamp)
        } else if let t = LifecycleEvent.transition(of: m) {
            stageAnnouncements[ws, default: StageAnnouncements()].adopt(
                profile: profile, stage: t.to, transition: t.transition, at: m.timestamp)
            stageFlows[ws, default: StageFlows()].count(from: t.from, to: t.to, at: m.timestamp)
            if let from = t.from {
                segmentHistory[ws, default: [:]][LifecycleStages.segmentName(from), default: SegmentHistory()]
                    .count(entered: false, at: m.timestamp)
            }
            if let to = t.to {
                segmentHistory[ws, default: [:]][LifecycleStages.segmentName(to), default: SegmentHistory()]
                    .count(entered: true, at: m.timestamp)
            }
        }
    }
}
