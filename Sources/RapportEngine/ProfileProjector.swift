import Logging
import RapportAudience
import RapportInsights
import RapportCore
import RapportIdentity
import RapportIngest
import RapportStore

/// An event the projector applies: its log position, where it came from, and
/// the decoded message.
public struct ProjectableEvent: Sendable {
    public var seq: Int64
    public var workspaceId: WorkspaceID
    public var sourceId: SourceID
    public var message: Message
    public init(seq: Int64, workspaceId: WorkspaceID, sourceId: SourceID, message: Message) {
        self.seq = seq
        self.workspaceId = workspaceId
        self.sourceId = sourceId
        self.message = message
    }
}

extension ProjectableEvent {
    /// The events the log stored, with their positions, in log order;
    /// `positions` is what `EventLog.append` returned for `events` (`nil` for
    /// a duplicate, which is left out).
    public static func stored(_ events: [EventToAppend], positions: [Int64?]) -> [ProjectableEvent] {
        var out: [ProjectableEvent] = []
        out.reserveCapacity(events.count)
        for (e, seq) in zip(events, positions) {
            if let seq {
                out.append(ProjectableEvent(seq: seq, workspaceId: e.workspaceId, sourceId: e.sourceId,
                                            message: e.message))
            }
        }
        return out
    }
}

/// The identity and profile projection: resolves each logged event to a
/// profile, merging profiles when the event proves they are one person, and
/// keeps each profile's traits and aggregates.
///
/// State lives in memory and is flushed to the store with the checkpoint in
/// one transaction; after a crash the projection reloads the last flush and
/// replays the log from its checkpoint, which gives the same result.
public actor ProfileProjector {
    let store: any RapportStore
    let extractor: IdentifierExtractor
    let planner: ResolutionPlanner
    let rules: ProfileRules
    let decoder = MessageDecoder()
    let logger: Logger
    var graph = ProfileGraph()

    /// The last log position applied (in memory).
    public internal(set) var applied: Int64 = 0
    /// The last log position flushed to the store, in every partition this
    /// projector writes (`applied` when it writes none).
    public var flushed: Int64 {
        var low: Int64?
        for p in flushedThrough.indices where writes(partition: p) {
            low = min(low ?? .max, flushedThrough[p])  // trap-ok: p in indices
        }
        return low ?? applied
    }
    /// How many partitions the projection is divided into (``ProjectionPartitions``), as of the last load.
    public internal(set) var partitionCount = 1
    /// Per partition, the checkpoint the last load started it from: its
    /// events up to there are in the loaded state, and are not applied again.
    var loadedThrough: [Int64] = [0]
    /// The highest of ``loadedThrough``: events after it need no check.
    var skipsThrough: Int64 = 0
    /// Per partition, the checkpoint last loaded or written: a flush expects the store to still hold it.
    var flushedThrough: [Int64] = [0]

    /// Profiles changed since the last flush (each once; `ProfileNode.isDirty` marks them).
    var dirty: [ProfileID] = []
    var newIdentities: [IdentityRecord] = []
    var newMerges: [MergeRecord] = []
    var newWarnings: [IdentityWarningRecord] = []
    var newProfileEvents: [(ProfileID, Int64)] = []
    var newBlocks: [(WorkspaceID, ProfileID, ProfileID)] = []
    /// A flush is writing; others wait in `flushWaiters`.
    var isFlushing = false
    /// While catching up on the log, flush after this many events.
    let catchUpFlushThreshold = 500_000
    var flushWaiters: [CheckedContinuation<Void, Never>] = []
    /// The last event applied and the profile it landed on, if resolving it
    /// left every one of its identifiers with that profile (no warning, nothing
    /// dropped). The next event with the same identifiers (see
    /// ``IdentifierExtractor/extractsTheSame(_:_:)``) lands there too, without
    /// extracting and planning again: planning it would find every identifier
    /// owned and change nothing. Cleared by whatever else changes the graph
    /// (``load()``, an unmerge).
    var lastResolved: (workspaceId: WorkspaceID, message: Message, owner: ProfileID)?
    /// Whether ``lastResolved`` is used (tests compare with and without).
    var usesResolutionShortcut = true
    /// How many events skipped resolution, through ``lastResolved`` or
    /// ``resolutionCache``.
    public private(set) var resolutionShortcuts = 0
    /// Profiles recent senders resolved to (used with ``usesResolutionShortcut``).
    var resolutionCache = ResolutionCache()
    /// How many of ``resolutionShortcuts`` went through ``resolutionCache``.
    public private(set) var resolutionCacheHits = 0

    /// Each workspace's audience: its event index, segments and computed traits.
    var audiences: [WorkspaceID: Audience] = [:]
    /// Live profiles whose events, traits or merges changed since their segments were last evaluated.
    var audienceTouched: [WorkspaceID: Set<ProfileID>] = [:]
    /// Profiles merged away since then: they leave their segments.
    var audienceRemoved: [(WorkspaceID, ProfileID)] = []
    /// The indexes lack events the log holds (after a load): rebuilt from the log when first needed.
    var audienceStale = true
    /// While an index is rebuilt from the log, the profile each event applied meanwhile landed on.
    var ownersDuringRebuild: [Int64: ProfileID]?
    /// The store's definitions version last applied (``applyStoredDefinitionsIfChanged()``).
    var appliedDefinitionsVersion: Int64 = -1
    var isRebuildingAudience = false
    var rebuildWaiters: [CheckedContinuation<Void, Never>] = []
    /// Segment entries and exits, oldest first (the most recent ``membershipLogLimit``).
    public internal(set) var membershipLog: [MembershipChange] = []
    let membershipLogLimit = 100_000
    /// Per workspace, what the log says about memberships (``SegmentEvent``).
    var announcements: [WorkspaceID: SegmentAnnouncements] = [:]
    /// ``announcements`` were read from the log since the last load.
    var announcedFromLog = false
    /// Whether this projector writes every partition: flushes their state to
    /// the store and announces their segment, stage and churn events. For
    /// each partition one process does (the holder of its lease); the others
    /// follow the log in memory to serve reads, and learn what the writer
    /// announced from the log.
    var writesAll = true
    /// The partitions it writes when not all (``setWriting(_:)``).
    public internal(set) var writtenPartitions: Set<Int> = []
    /// Whether this projector writes any partition.
    public var publishes: Bool { writesAll || !writtenPartitions.isEmpty }
    /// The partitions this projector writes.
    public var writingPartitions: Set<Int> { writesAll ? Set(0..<partitionCount) : writtenPartitions }
    /// Segment events to write to the log (``takeSegmentEvents()``).
    var segmentOutbox: [EventToAppend] = []
    /// Per workspace and segment, entries and exits by hour, from the log's segment events.
    var segmentHistory: [WorkspaceID: [String: SegmentHistory]] = [:]
    /// Per workspace, its lifecycle model and the stages' own conditions (``LifecycleModel``).
    var lifecycles: [WorkspaceID: LifecycleSpec] = [:]
    /// Per workspace, what the log says about each profile's stage (``LifecycleEvent``).
    var stageAnnouncements: [WorkspaceID: StageAnnouncements] = [:]
    /// Per workspace, moves between stages by hour, from the log.
    var stageFlows: [WorkspaceID: StageFlows] = [:]
    /// Per workspace, which events are purchases for RFM, and each profile's RFM as last worked out.
    var rfmModels: [WorkspaceID: RFMModel] = [:]
    var rfmScores: [WorkspaceID: [ProfileID: ProfileRFM]] = [:]
    var rfmComputedAt: [WorkspaceID: Int64] = [:]
    /// Per workspace, each profile's CLV figures (from the RFM model's purchases), when they were fitted, and the models.
    var clvScores: [WorkspaceID: [ProfileID: ProfileCLV]] = [:]
    var clvFittedAt: [WorkspaceID: Int64] = [:]
    var clvModels: [WorkspaceID: CLV] = [:]
    /// Per workspace, each profile's churn risk (no purchase in the next 90 days) and the model behind it.
    var churnRisk: [WorkspaceID: [ProfileID: Double]] = [:]
    var churnModels: [WorkspaceID: Churn.Model] = [:]
    /// Per workspace, its cluster model (fitted) and each live profile's cluster (1-based).
    var clusterModels: [WorkspaceID: ClusterModel] = [:]
    var clusterOf: [WorkspaceID: [ProfileID: Int]] = [:]
    /// Where conditions read the time.
    let clock: any RapportClock

    public init(store: any RapportStore, identityRules: IdentityRules = IdentityRules(),
                profileRules: ProfileRules = ProfileRules(), clock: any RapportClock = SystemClock(),
                logger: Logger = Logger(label: "rapport.projector")) {
        self.store = store
        self.clock = clock
        self.extractor = IdentifierExtractor(rules: identityRules)
        self.planner = ResolutionPlanner(rules: identityRules)
        self.rules = profileRules
        self.logger = logger
    }

    /// Loads the last flushed state.
    public func load() async throws {
        // No flush while the snapshot loads: one that started meanwhile would record its checkpoint over
        // the loaded state (and put back changes of the state before).
        await waitForFlush()
        isFlushing = true
        defer { endFlush() }
        let snapshot = try await store.loadProjection()
        partitionCount = snapshot.partitionCheckpoints.count
        graph = ProfileGraph(snapshot: snapshot, idsPerWorkspace: partitionCount > 1)
        loadedThrough = snapshot.partitionCheckpoints
        flushedThrough = snapshot.partitionCheckpoints
        skipsThrough = loadedThrough.max() ?? 0
        // Emptied, keeping the paths the definitions read.
        for key in audiences.keys {
            if let emptied = audiences[key]?.index.emptied() { audiences[key]?.index = emptied }
        }
        audienceTouched.removeAll()
        audienceRemoved.removeAll()
        audienceStale = true
        announcements.removeAll()
        segmentHistory.removeAll()
        stageAnnouncements.removeAll()
        stageFlows.removeAll()
        rfmScores.removeAll()
        rfmComputedAt.removeAll()
        clvScores.removeAll()
        clvFittedAt.removeAll()
        churnRisk.removeAll()
        clusterOf.removeAll()
        announcedFromLog = false
        segmentOutbox.removeAll()
        lastResolved = nil
        resolutionCache.removeAll()
        applied = snapshot.checkpoint
        // Anything applied but not flushed is re-derived from the log.
        dirty.removeAll()
        newIdentities.removeAll()
        newMerges.removeAll()
        newWarnings.removeAll()
        newProfileEvents.removeAll()
        newBlocks.removeAll()
    }

    /// Reads and applies what the log holds after `applied`, up to and
    /// including `through` (everything, if `nil`). Returns how many events it
    /// applied.
    ///
    /// With a bound, a catch-up under constant load ends: the writer's
    /// hand-over carries on from there, instead of the log being read (and
    /// decoded) a second time for as long as events keep arriving.
    @discardableResult
    public func catchUp(through: Int64? = nil, batchSize: Int = 5_000,
                        afterBatch: (@Sendable () async throws -> Void)? = nil) async throws -> Int {
        var total = 0
        let bound = through ?? .max
        while applied < bound {
            let from = applied
            let limit = Int(clamping: min(Int64(batchSize), bound - from))
            let events = try await store.events(after: from, limit: limit)
            // Another call applied events, or a load reset the state, while this one read: read again
            // from where the projection is now, so nothing is skipped.
            if applied != from { continue }
            if events.isEmpty { return total }
            for e in events where e.seq <= bound && e.seq > applied { applyStored(e) }
            refreshTouchedAudiences()
            total += events.count
            if pendingEventCount >= catchUpFlushThreshold { try await flush() }
            try await afterBatch?()
        }
        return total
    }

    /// Applies events the writer just appended. Where they do not follow what
    /// was applied (another process wrote to the log in between, before them
    /// or between two of the appends handed over together, or a hand-over was
    /// dropped), reads the gap from the log first.
    public func apply(_ events: [ProjectableEvent]) async throws {
        var start = 0
        while start < events.count {
            let first = events[start].seq  // trap-ok: start < count
            if first > applied + 1 {
                try await catchUp(through: first - 1)
            }
            // The run of events that follow one another from `start`.
            var end = start + 1
            while end < events.count, events[end].seq == events[end - 1].seq + 1 { end += 1 }  // trap-ok: 0 < end < count
            // Through the element pointer: its `pointee` is borrowed, where `for e in events` or
            // `events[i]` copies each message.
            events.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for i in start..<min(end, buffer.count) where (base + i).pointee.seq > applied {
                    applyOne((base + i).pointee)
                }
            }
            start = end
        }
        refreshTouchedAudiences()
    }

    var pendingEventCount: Int { newProfileEvents.count }

    func applyStored(_ e: StoredEvent) {
        // The type comes from the log's column: a message sent to a typed endpoint (`/v1/identify`)
        // need not carry `type` in its body.
        guard var message = try? decoder.decodeMessage(e.body, type: e.type, receivedAt: e.receivedAt) else {
            // Logged messages were valid when they arrived; one that no longer decodes is skipped, not fatal.
            logger.warning("skipping log entry that no longer decodes", metadata: ["seq": "\(e.seq)"])
            applied = max(applied, e.seq)
            return
        }
        message.timestamp = e.timestamp
        message.messageId = e.messageId
        applyOne(ProjectableEvent(seq: e.seq, workspaceId: e.workspaceId, sourceId: e.sourceId, message: message))
    }

    func applyOne(_ e: borrowing ProjectableEvent) {
        if e.seq <= skipsThrough, isLoaded(e) {
            // The loaded state holds it. The audience index and what the log announced are rebuilt from
            // the log (and the loaded timelines) only once every partition is past its loaded checkpoint
            // (``ensureAudienceIndex()``), so they take it then.
            applied = max(applied, e.seq)
            return
        }
        if e.sourceId == RapportSource.id {
            applyOwn(e)
            return
        }
        applied = e.seq
        let owner: ProfileID
        if usesResolutionShortcut, let last = lastResolved, last.workspaceId == e.workspaceId,
           IdentifierExtractor.extractsTheSame(e.message, last.message) {
            owner = last.owner
            resolutionShortcuts += 1
        } else if usesResolutionShortcut, let cached = resolutionCache.owner(of: e.message, in: e.workspaceId),
                  graph.nodes.isLive(cached) {
            owner = cached
            lastResolved = (e.workspaceId, e.message, owner)
            resolutionShortcuts += 1
            resolutionCacheHits += 1
        } else {
            guard let resolved = resolveIdentity(e) else { return }
            owner = resolved
        }
        // The node changes in place, uncopied.
        graph.nodes.update(owner) { $0.add(e.message, seq: e.seq, rules: rules) }
        newProfileEvents.append((owner, e.seq))
        markDirty(owner)
        index(e, owner: owner)
    }

    /// Resolves the event's identifiers: creates, merges and attaches as the
    /// plan says, records warnings, and returns the profile the event lands
    /// on (`nil`: no usable identifier, a warning is recorded).
    private func resolveIdentity(_ e: borrowing ProjectableEvent) -> ProfileID? {
        lastResolved = nil
        let extraction = extractor.extract(from: e.message)
        let lookup = WorkspaceLookup(graph: graph, workspaceId: e.workspaceId)
        let plan = planner.plan(extraction, lookup: lookup)
        if extraction.identifiers.isEmpty && extraction.aliasPreviousId == nil {
            newWarnings.append(IdentityWarningRecord(
                workspaceId: e.workspaceId, seq: e.seq, messageId: e.message.messageId, identifier: "",
                code: "no_usable_identifier", detail: "every identifier of the message is blocked or invalid",
                at: e.message.receivedAt))
            return nil
        }
        // The profile the event lands on.
        var created: ProfileID?
        func resolve(_ ref: ProfileRef) -> ProfileID {
            switch ref {
            case .existing(let id): return id
            case .new:
                if let created { return created }
                let id = graph.newProfileId(in: e.workspaceId)
                graph.nodes[id] = ProfileNode(record: ProfileRecord(id: id, workspaceId: e.workspaceId,
                                                                     createdAt: e.message.timestamp))
                markDirty(id)
                created = id
                return id
            }
        }
        let target = resolve(plan.target)
        for merge in plan.merges {
            let record = MergeRecord(
                id: graph.newMergeId(in: e.workspaceId), workspaceId: e.workspaceId, from: merge.from, into: target,
                identifier: merge.via.description, messageId: e.message.messageId, seq: e.seq, at: e.message.timestamp)
            graph.nodes[merge.from]?.record.mergedInto = target
            audienceRemoved.append((e.workspaceId, merge.from))
            graph.nodes[target]?.members.append(merge.from)
            graph.nodes[target]?.members.sort()
            graph.addMergeRecord(record)
            newMerges.append(record)
            markDirty(merge.from)
        }
        for identifier in plan.attach {
            let record = IdentityRecord(
                workspaceId: e.workspaceId, identifier: identifier, profileId: target, firstSeen: e.message.timestamp)
            graph.owners.set(target, for: identifier, in: e.workspaceId)
            graph.nodes[target]?.identifiers.append(record)
            newIdentities.append(record)
        }
        for w in plan.warnings {
            newWarnings.append(IdentityWarningRecord(
                workspaceId: e.workspaceId, seq: e.seq, messageId: e.message.messageId, identifier: w.identifier.description,
                code: w.code.rawValue, detail: w.detail, at: e.message.receivedAt))
        }
        let owner = resolve(plan.eventOwner)
        if plan.warnings.isEmpty, extraction.dropped.isEmpty, extraction.aliasPreviousId == nil {
            // Every identifier now belongs to `owner`'s profile: a repeat of them changes nothing.
            lastResolved = (e.workspaceId, e.message, owner)
            if usesResolutionShortcut { resolutionCache.remember(e.message, in: e.workspaceId, owner: owner) }
        }
        return owner
    }

    /// The members of a message's `properties` that `ProfileRules.amount(of:)`
    /// reads (the amount properties and `products`), decoded; every other
    /// member is skipped, not built. An empty object if there are none or
    /// they do not decode.
    static func amountMembers(of m: Message, rules: ProfileRules) -> JSONValue {
        guard let range = m.propertiesRange, range.lowerBound >= 0, range.upperBound <= m.bodyCount else {
            return .object([:])
        }
        return m.withBody { all -> JSONValue in
            var scanner = JSONScanner(UnsafeBufferPointer(rebasing: all[range]))
            var members: [String: JSONValue] = [:]
            do throws(RapportError) {
                guard try scanner.beginObject() else { return .object([:]) }
                repeat {
                    let key = try scanner.readKey()
                    if key == "products" || rules.amountProperties.contains(key) {
                        members[key] = try scanner.parseValue()
                    } else {
                        try scanner.skipValue()
                    }
                } while try scanner.nextMember()
                try scanner.expectEnd()
            } catch {
                return .object([:])
            }
            return .object(members)
        }
    }

    /// Notes that a profile changed and must be written at the next flush.
    func markDirty(_ id: ProfileID) {
        let marked = graph.nodes.update(id) { node -> Bool in
            if node.isDirty { return false }
            node.isDirty = true
            return true
        }
        if marked == true { dirty.append(id) }
    }

    /// Writes what changed since the last flush, with the checkpoint, in one
    /// transaction.
    ///
    /// Events keep being applied while the write is in progress (the actor is
    /// reentrant); what they change goes to the next flush. Flushes never
    /// overlap: a flush that starts while another is writing waits for it, so
    /// checkpoints reach the store in order and a profile row is never
    /// overwritten by an older state.
    public func flush() async throws {
        await waitForFlush()
        if !publishes {
            discardPending()
            return
        }
        // The partitions this flush writes: those this projector writes whose checkpoint is not ahead of
        // what is applied (after a load, a partition loaded further than the others has nothing new yet).
        let partitions = (0..<partitionCount).filter { p in
            writes(partition: p) && (flushedThrough.indices.contains(p) ? flushedThrough[p] <= applied : false)  // trap-ok: checked
        }
        let pendingIsEmpty = dirty.isEmpty && newMerges.isEmpty && newBlocks.isEmpty && newIdentities.isEmpty
            && newWarnings.isEmpty && newProfileEvents.isEmpty
        if pendingIsEmpty && partitions.allSatisfy({ flushedThrough[$0] == applied }) { return }  // trap-ok: filtered above
        isFlushing = true
        defer { endFlush() }
        var delta = ProjectionDelta(checkpoint: applied)
        delta.partitions = partitions
        delta.partitionCount = partitionCount
        for p in partitions { delta.expectedCheckpoints[p] = flushedThrough[p] }  // trap-ok: filtered above
        let checkpoint = applied
        let kept = takePending(into: &delta, partitions: Set(partitions))
        do {
            if !delta.partitions.isEmpty { try await store.saveProjection(delta) }
            for p in partitions { flushedThrough[p] = checkpoint }  // trap-ok: filtered above
            restorePending(kept)
        } catch let error as RapportError where error.code == .conflict {
            // Fenced: another process writes the projection now. What this one held is not written;
            // it reloads from the store (see ProjectionService).
            throw error
        } catch {
            // Put everything back so the next flush retries it, ahead of what was applied meanwhile.
            var back = kept
            back.absorb(delta)
            restorePending(back)
            throw error
        }
    }
}

/// Changes applied but not flushed, set aside while a flush writes others.
struct PendingChanges {
    var profiles: [ProfileID] = []
    var identities: [IdentityRecord] = []
    var merges: [MergeRecord] = []
    var warnings: [IdentityWarningRecord] = []
    var profileEvents: [(ProfileID, Int64)] = []
    var blocks: [(WorkspaceID, ProfileID, ProfileID)] = []

    /// Adds a delta's changes (of other partitions than these).
    mutating func absorb(_ delta: ProjectionDelta) {
        profiles += delta.profiles.map(\.id)
        identities += delta.identities
        merges += delta.merges
        warnings += delta.warnings
        profileEvents += delta.profileEvents
        blocks += delta.mergeBlocks
    }
}

extension ProfileProjector {
    /// Waits until no flush (or load) is writing or reading.
    func waitForFlush() async {
        while isFlushing {
            await withCheckedContinuation { flushWaiters.append($0) }
        }
    }

    /// Ends a flush (or load), letting the next one start.
    func endFlush() {
        isFlushing = false
        let waiters = flushWaiters
        flushWaiters.removeAll()
        for w in waiters { w.resume() }
    }

    /// The partition a workspace is in.
    func partition(of workspace: WorkspaceID) -> Int {
        ProjectionPartitions.partition(of: workspace, count: partitionCount)
    }

    /// Whether this projector writes a partition.
    func writes(partition p: Int) -> Bool { writesAll || writtenPartitions.contains(p) }

    /// Whether this projector writes a workspace's projection and announces its events.
    func writes(_ workspace: WorkspaceID) -> Bool {
        writesAll || writtenPartitions.contains(partition(of: workspace))
    }

    /// Whether an event is in the loaded state already: its partition was
    /// loaded at a checkpoint at or past it.
    func isLoaded(_ e: borrowing ProjectableEvent) -> Bool {
        let p = partition(of: e.workspaceId)
        return loadedThrough.indices.contains(p) && e.seq <= loadedThrough[p]  // trap-ok: checked
    }

    /// Moves what changed in `partitions` into a delta; returns what changed
    /// in the other partitions this projector writes (kept for a later
    /// flush), and drops what changed in partitions it does not write.
    func takePending(into delta: inout ProjectionDelta, partitions: Set<Int>) -> PendingChanges {
        var kept = PendingChanges()
        let all = partitionCount == 1 || (0..<partitionCount).allSatisfy { partitions.contains($0) }
        /// 0: into the delta, 1: kept, 2: dropped.
        func fate(_ ws: WorkspaceID) -> Int {
            if all { return 0 }
            let p = partition(of: ws)
            return partitions.contains(p) ? 0 : writes(partition: p) ? 1 : 2
        }
        delta.profiles.reserveCapacity(dirty.count)
        for id in dirty {
            graph.nodes[id]?.isDirty = false
            guard let record = graph.nodes[id]?.record else { continue }
            switch fate(record.workspaceId) {
            case 0: delta.profiles.append(record)
            case 1: kept.profiles.append(id)
            default: break
            }
        }
        if all {
            delta.identities = newIdentities
            delta.merges = newMerges
            delta.warnings = newWarnings
            delta.profileEvents = newProfileEvents
            delta.mergeBlocks = newBlocks
        } else {
            for i in newIdentities {
                switch fate(i.workspaceId) { case 0: delta.identities.append(i); case 1: kept.identities.append(i); default: break }
            }
            for m in newMerges {
                switch fate(m.workspaceId) { case 0: delta.merges.append(m); case 1: kept.merges.append(m); default: break }
            }
            for w in newWarnings {
                switch fate(w.workspaceId) { case 0: delta.warnings.append(w); case 1: kept.warnings.append(w); default: break }
            }
            for pe in newProfileEvents {
                guard let ws = graph.nodes[pe.0]?.record.workspaceId else { continue }
                switch fate(ws) { case 0: delta.profileEvents.append(pe); case 1: kept.profileEvents.append(pe); default: break }
            }
            for b in newBlocks {
                switch fate(b.0) { case 0: delta.mergeBlocks.append(b); case 1: kept.blocks.append(b); default: break }
            }
        }
        clearPending()
        return kept
    }

    /// Puts changes back ahead of what was applied since they were taken.
    func restorePending(_ back: PendingChanges) {
        for id in back.profiles { markDirty(id) }
        newIdentities.insert(contentsOf: back.identities, at: 0)
        newMerges.insert(contentsOf: back.merges, at: 0)
        newWarnings.insert(contentsOf: back.warnings, at: 0)
        newProfileEvents.insert(contentsOf: back.profileEvents, at: 0)
        newBlocks.insert(contentsOf: back.blocks, at: 0)
    }

    /// Forgets what a follower changed since it started following: the
    /// writer stores the same changes (its ids are the same, being derived
    /// from the snapshot and the log's order), so memory stays bounded.
    func discardPending() {
        for id in dirty { graph.nodes[id]?.isDirty = false }
        clearPending()
        segmentOutbox.removeAll()
    }

    /// Empties the lists of what changed since the last flush.
    func clearPending() {
        dirty.removeAll(keepingCapacity: true)
        newIdentities.removeAll(keepingCapacity: true)
        newMerges.removeAll(keepingCapacity: true)
        newWarnings.removeAll(keepingCapacity: true)
        newProfileEvents.removeAll(keepingCapacity: true)
        newBlocks.removeAll()
    }

    /// Makes this projector the writer (`true`) or a follower, and reloads
    /// it from the store: a new writer starts from what the last one
    /// flushed (and announces what that one computed but did not write); a
    /// follower drops what it had not written.
    /// A follower stops writing before it reloads; a writer starts only once
    /// it has reloaded (if the load fails, it is still a follower).
    public func setPublishes(_ value: Bool) async throws {
        if !value {
            writesAll = false
            writtenPartitions = []
        }
        try await load()
        writesAll = value
    }

    /// Makes this projector write these partitions and follow the others.
    ///
    /// Giving a partition up takes effect at once: what changed in it and was
    /// not flushed is dropped (its next writer computes it again from the
    /// log), and the rest of the state stays, being the same on every
    /// process. Taking one reloads the projection first: its state must be
    /// what its last writer flushed, plus the log since.
    public func setWriting(_ partitions: Set<Int>) async throws {
        await waitForFlush()
        let before = writesAll ? Set(0..<partitionCount) : writtenPartitions
        writesAll = false
        writtenPartitions = before.intersection(partitions)
        if !partitions.isSubset(of: before) {
            try await load()
        }
        segmentOutbox.removeAll { !partitions.contains(partition(of: $0.workspaceId)) }
        writtenPartitions = partitions
    }
}

extension ProfileNode {
    /// Adds an event to the profile's timeline, aggregates and traits.
    mutating func add(_ m: Message, seq: Int64, rules: ProfileRules) {
        events.append(seq)
        record.aggregates.firstSeen = min(record.aggregates.firstSeen, m.timestamp)
        record.aggregates.lastSeen = max(record.aggregates.lastSeen, m.timestamp)
        record.aggregates.eventCount += 1
        record.aggregates.eventCounts[m.displayName, default: 0] += 1
        if m.type == .track, let name = m.event {
            let isOrder = rules.orderEvents.contains(name)
            let isRefund = rules.refundEvents.contains(name)
            if isOrder || isRefund {
                let amount = rules.amount(of: ProfileProjector.amountMembers(of: m, rules: rules))
                if isOrder {
                    record.aggregates.orders += 1
                    record.aggregates.revenue += amount
                    record.aggregates.firstOrderAt = min(record.aggregates.firstOrderAt ?? m.timestamp, m.timestamp)
                    record.aggregates.lastOrderAt = max(record.aggregates.lastOrderAt ?? m.timestamp, m.timestamp)
                } else {
                    record.aggregates.refunds += 1
                    record.aggregates.refundedAmount += amount
                }
            }
        }
        if m.type != .group {
            for (key, value) in m.traits {
                let candidate = TraitValue(value: value, setAt: m.timestamp, seq: seq)
                if record.traits[key].map({ candidate.isNewer(than: $0) }) ?? true {
                    record.traits[key] = candidate
                }
            }
        }
    }
}
