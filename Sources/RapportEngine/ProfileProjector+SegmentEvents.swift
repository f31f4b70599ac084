import RapportAudience
import RapportCore
import RapportStore

/// `Segment Entered` and `Segment Exited` (``SegmentEvent``): each change of
/// membership becomes an event in the log, which journeys and exports read.
///
/// What was announced is kept per (segment, profile) and rebuilt from the
/// log's own segment events after a load, so a restart announces only what
/// changed while the process was down, and a transition is never announced
/// twice: its `messageId` is derived from its number, and the log dedupes.
extension ProfileProjector {
    /// Applies one of Rapport's own events: it joins the named profile's
    /// timeline and leaves its aggregates, traits and audience alone.
    func applyOwn(_ e: borrowing ProjectableEvent) {
        applied = e.seq
        guard let named = OwnEvent.profile(of: e.message), graph.nodes[named]?.record.workspaceId == e.workspaceId
        else {
            logger.warning("skipping an own event naming no profile of its workspace", metadata: ["seq": "\(e.seq)"])
            return
        }
        graph.nodes.update(named) { $0.events.append(e.seq) }
        newProfileEvents.append((named, e.seq))
        if let t = TagEvent.change(of: e.message) {
            applyTag(t.tag, added: t.added, named: named, at: e.message.timestamp, workspaceId: e.workspaceId)
        } else if let undo = MergeUndoneEvent.undo(of: e.message) {
            undoMerge(undo.mergeId, workspaceId: e.workspaceId, by: undo.by, at: e.message.timestamp, seq: e.seq)
        } else if announcedFromLog {
            // Until the first rebuild after a load, which reads these from the log.
            adoptAnnouncement(e.message, profile: named, workspaceId: e.workspaceId)
        }
    }

    /// Sets a tag on the named profile, or takes it off the profile and
    /// everything merged with it, and has its audience evaluated again.
    func applyTag(_ tag: String, added: Bool, named: ProfileID, at time: Int64, workspaceId: WorkspaceID) {
        let live = graph.canonical(named)
        if added {
            graph.nodes.update(named) { $0.record.aggregates.tags[tag] = time }
            markDirty(named)
        } else {
            for p in graph.subtree(live) where graph.nodes[p]?.record.aggregates.tags[tag] != nil {
                graph.nodes.update(p) { _ = $0.record.aggregates.tags.removeValue(forKey: tag) }
                markDirty(p)
            }
        }
        if graph.nodes.isLive(live) { audienceTouched[workspaceId, default: []].insert(live) }
    }

    /// Live profiles of a workspace carrying a tag set by hand, ascending.
    public func manualTagHolders(workspaceId: WorkspaceID, tag: String) -> [ProfileID] {
        var out: Set<ProfileID> = []
        for (id, node) in graph.nodes where node.record.workspaceId == workspaceId && node.record.aggregates.tags[tag] != nil {
            out.insert(graph.canonical(id))
        }
        return out.sorted()
    }

    /// Records membership changes and queues the segment events they call
    /// for. A profile merged away leaves its segments with an event too, so
    /// replaying the log gives exactly the members.
    func recordMembership(_ changes: [MembershipChange], workspaceId: WorkspaceID) {
        guard !changes.isEmpty else { return }
        membershipLog.append(contentsOf: changes)
        if membershipLog.count > membershipLogLimit { membershipLog.removeFirst(membershipLog.count - membershipLogLimit) }
        guard announcedFromLog, writes(workspaceId) else { return }
        var book = announcements.removeValue(forKey: workspaceId) ?? SegmentAnnouncements()
        defer { announcements[workspaceId] = book }
        let now = clock.nowMillis()
        var staged: Set<ProfileID> = []
        for c in changes {
            if LifecycleStages.stage(ofSegment: c.segment) != nil { staged.insert(c.profile) }
            guard !LifecycleStages.isHidden(c.segment) else { continue }
            queueSegmentEvent(&book, workspaceId: workspaceId, segment: c.segment, profile: c.profile,
                              entered: c.entered, now: now)
        }
        if !staged.isEmpty { announceStages(staged.sorted(), workspaceId: workspaceId) }
    }

    func queueSegmentEvent(_ book: inout SegmentAnnouncements, workspaceId: WorkspaceID, segment: String,
                           profile: ProfileID, entered: Bool, now: Int64) {
        guard let n = book.announce(segment: segment, profile: profile, entered: entered) else { return }
        guard let m = SegmentEvent.message(workspaceId: workspaceId, segment: segment, profile: profile,
                                           entered: entered, transition: n, at: now, decoder: decoder)
        else {
            logger.error("could not build a segment event", metadata: ["segment": "\(segment)"])
            return
        }
        segmentOutbox.append(EventToAppend(workspaceId: workspaceId, sourceId: RapportSource.id, message: m))
    }

    /// Makes what the log will say equal the members now: an entry for each
    /// member not announced, an exit for each announced profile that is no
    /// longer one, and exits from segments that are no longer defined.
    /// After a rebuild from the log and after definitions change.
    func reconcileAnnouncements(workspaceId ws: WorkspaceID) {
        guard announcedFromLog, writes(ws), !audienceStale else { return }
        var book = announcements.removeValue(forKey: ws) ?? SegmentAnnouncements()
        defer { announcements[ws] = book }
        let now = clock.nowMillis()
        let audience = audiences[ws]
        var names = Set(book.segmentsWithMembers)
        for s in audience?.segments ?? [] where !LifecycleStages.isHidden(s.name) { names.insert(s.name) }
        for segment in names.sorted() {
            let members = audience?.members(of: segment) ?? []
            let memberSet = Set(members)
            for p in book.inside(segment) where !memberSet.contains(p) {
                queueSegmentEvent(&book, workspaceId: ws, segment: segment, profile: p, entered: false, now: now)
            }
            for p in members {
                queueSegmentEvent(&book, workspaceId: ws, segment: segment, profile: p, entered: true, now: now)
            }
        }
        reconcileStages(workspaceId: ws)
    }

    /// Hands over the segment events queued so far, to be appended to the
    /// log and applied (``ProjectionService``); on failure they are given
    /// back with ``requeueSegmentEvents(_:)``.
    public func takeSegmentEvents() -> [EventToAppend] {
        let out = segmentOutbox
        segmentOutbox.removeAll()
        return out
    }

    /// Puts back segment events that could not be written, ahead of newer ones.
    public func requeueSegmentEvents(_ events: [EventToAppend]) {
        segmentOutbox.insert(contentsOf: events, at: 0)
    }

    /// A segment's size, entries and exits over time, in buckets of `unit` ms.
    public func segmentHistory(workspaceId: WorkspaceID, segment: String, from: Int64, to: Int64, unit: Int64)
        -> [SegmentHistory.Point]
    {
        (segmentHistory[workspaceId]?[segment] ?? SegmentHistory()).points(from: from, to: to, unit: unit)
    }

    /// A segment's history over the last `days` days up to now, by day or by
    /// hour, ending with the bucket that holds now.
    public func segmentHistory(workspaceId: WorkspaceID, segment: String, lastDays days: Int, hourly: Bool)
        -> [SegmentHistory.Point]
    {
        let unit: Int64 = hourly ? 3_600_000 : 86_400_000
        let now = clock.nowMillis()
        return segmentHistory(workspaceId: workspaceId, segment: segment,
                              from: now - Int64(max(1, days)) * 86_400_000 + unit, to: now, unit: unit)
    }

    /// What the log says about a workspace's segment, as this process knows
    /// it: the profiles announced inside, ascending.
    public func announcedMembers(workspaceId: WorkspaceID, segment: String) -> [ProfileID] {
        announcements[workspaceId]?.inside(segment) ?? []
    }
}
