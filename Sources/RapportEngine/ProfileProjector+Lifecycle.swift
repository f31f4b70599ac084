import RapportAudience
import RapportCore
import RapportInsights
import RapportStore

/// A workspace's lifecycle model as the projector uses it: the model, and
/// each stage's own condition (with `stage` tests resolved) to explain why a
/// profile is in it.
struct LifecycleSpec: Sendable {
    var model: LifecycleModel
    var stages: [(name: String, condition: Condition)]
}

/// A profile's lifecycle stage, why it is in it, and since when.
public struct ProfileStage: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The tests of the stage's condition that hold, with the profile's values.
    public var reason: [ConditionExplanation]
    /// When the log announced the stage (`nil` until it has).
    public var since: Int64?
}

/// Counts per stage and the moves between stages: the lifecycle overview.
public struct LifecycleOverview: Sendable {
    public struct StageCount: Sendable, Hashable {
        public var name: String
        public var description: String
        public var size: Int
    }

    public var model: LifecycleModel
    public var stages: [StageCount]
    /// Live profiles in no stage.
    public var unstaged: Int
    /// Moves between stages in the period, most frequent first.
    public var flows: [(flow: StageFlows.Flow, count: Int)]
    public var from: Int64
    public var to: Int64
}

/// Lifecycle stages: each profile's stage is kept by the stages' segments
/// (``LifecycleStages``); every change becomes a `Lifecycle Stage Changed`
/// event with the stage before and the reason, and entering the warning
/// stage a `Churn Warning` (``LifecycleEvent``).
extension ProfileProjector {
    /// Queues the stage events for profiles whose stage may have changed.
    func announceStages(_ profiles: [ProfileID], workspaceId ws: WorkspaceID) {
        guard announcedFromLog, writes(ws) else { return }
        var book = stageAnnouncements.removeValue(forKey: ws) ?? StageAnnouncements()
        defer { stageAnnouncements[ws] = book }
        let now = clock.nowMillis()
        for p in profiles { queueStageEvent(&book, workspaceId: ws, profile: p, now: now) }
    }

    /// Makes what the log says of stages equal the stages now: after a
    /// rebuild and after definitions change.
    func reconcileStages(workspaceId ws: WorkspaceID) {
        guard announcedFromLog, writes(ws), !audienceStale else { return }
        var profiles = Set(stageAnnouncements[ws]?.staged ?? [])
        if let spec = lifecycles[ws], let audience = audiences[ws] {
            for s in spec.stages { profiles.formUnion(audience.members(of: LifecycleStages.segmentName(s.name)) ?? []) }
        }
        announceStages(profiles.sorted(), workspaceId: ws)
    }

    private func queueStageEvent(_ book: inout StageAnnouncements, workspaceId ws: WorkspaceID, profile p: ProfileID,
                                 now: Int64) {
        let live = graph.nodes.isLive(p)
        let stage = live ? audiences[ws]?.stage(of: p) : nil
        guard let (n, previous) = book.announce(profile: p, stage: stage, at: now) else { return }
        let reason: String
        if let stage {
            reason = ConditionExplanation.summary(explainStage(stage, profile: p, workspaceId: ws, now: now))
        } else {
            reason = !live ? "merged into profile \(graph.canonical(p))"
                : lifecycles[ws] == nil ? "the lifecycle model was removed" : "no stage's condition holds"
        }
        guard let m = LifecycleEvent.message(workspaceId: ws, profile: p, from: previous, to: stage, reason: reason,
                                             transition: n, at: now, decoder: decoder)
        else {
            logger.error("could not build a lifecycle event", metadata: ["profile": "\(p)"])
            return
        }
        segmentOutbox.append(EventToAppend(workspaceId: ws, sourceId: RapportSource.id, message: m))
        if let stage, stage == lifecycles[ws]?.model.warningStage,
           let w = LifecycleEvent.warning(workspaceId: ws, profile: p, from: previous, to: stage, reason: reason,
                                          transition: n, at: now, decoder: decoder) {
            segmentOutbox.append(EventToAppend(workspaceId: ws, sourceId: RapportSource.id, message: w))
        }
    }

    /// The tests of a stage's condition, with the profile's values.
    func explainStage(_ stage: String, profile: ProfileID, workspaceId ws: WorkspaceID, now: Int64)
        -> [ConditionExplanation]
    {
        guard let audience = audiences[ws], let condition = lifecycles[ws]?.stages.first(where: { $0.name == stage })?.condition
        else { return [] }
        return audience.explain(condition, audienceProfile(graph.canonical(profile)), now: now)
    }

    /// A live profile's stage, why, and since when; `nil` when it has none.
    public func stage(of id: ProfileID, workspaceId ws: WorkspaceID) -> ProfileStage? {
        let live = graph.canonical(id)
        guard let name = audiences[ws]?.stage(of: live) else { return nil }
        let since = stageAnnouncements[ws]?.byProfile[live].flatMap { $0.stage == name ? $0.since : nil }
        return ProfileStage(
            name: name, description: lifecycles[ws]?.model.stages.first { $0.name == name }?.description ?? "",
            reason: explainStage(name, profile: live, workspaceId: ws, now: clock.nowMillis()), since: since)
    }

    /// The workspace's lifecycle model in use, if it has one.
    public func lifecycleModel(workspaceId ws: WorkspaceID) -> LifecycleModel? { lifecycles[ws]?.model }

    /// Counts per stage now, and the moves between stages over the last `days` days.
    public func lifecycleOverview(workspaceId ws: WorkspaceID, days: Int) -> LifecycleOverview? {
        guard let spec = lifecycles[ws] else { return nil }
        let audience = audiences[ws]
        var counts: [LifecycleOverview.StageCount] = []
        var staged = 0
        for s in spec.model.stages {
            let size = audience?.size(of: LifecycleStages.segmentName(s.name)) ?? 0
            staged += size
            counts.append(.init(name: s.name, description: s.description, size: size))
        }
        let now = clock.nowMillis()
        let from = now - Int64(max(1, min(days, 3650))) * 86_400_000
        return LifecycleOverview(
            model: spec.model, stages: counts, unstaged: max(0, liveProfiles(workspaceId: ws).count - staged),
            flows: (stageFlows[ws] ?? StageFlows()).totals(from: from, to: now), from: from, to: now)
    }

    /// A stage's size over the last `days` days, by day or by hour.
    public func stageHistory(workspaceId ws: WorkspaceID, stage: String, lastDays days: Int, hourly: Bool)
        -> [SegmentHistory.Point]
    {
        segmentHistory(workspaceId: ws, segment: LifecycleStages.segmentName(stage), lastDays: days, hourly: hourly)
    }
}

/// Lifecycle stages over calendar periods: each stage's size at each period's end, and the moves between stages
/// in each period (the transition matrix: how many new became active, active at risk, at risk won back).
public struct LifecyclePeriods: Sendable {
    public struct Period: Sendable {
        /// The period's first moment and its end (now, for the current period), ms since 1970.
        public var start: Int64
        public var end: Int64
        /// Per stage (as ``LifecyclePeriods/stages``): its size at the period's end.
        public var sizes: [Int]
        public var flows: [(flow: StageFlows.Flow, count: Int)]
    }

    public var stages: [String]
    /// Oldest first; the last is the current period, up to now.
    public var periods: [Period]
}

extension ProfileProjector {
    /// The last `count` periods of the workspace's lifecycle, in a zone `offsetMinutes` from UTC.
    public func lifecyclePeriods(workspaceId ws: WorkspaceID, period: CalendarPeriod, count: Int,
                                 offsetMinutes: Int) -> LifecyclePeriods? {
        guard let spec = lifecycles[ws] else { return nil }
        let now = clock.nowMillis()
        let shift = Int64(offsetMinutes) * 60_000, day = Timestamp.millisPerDay, hour: Int64 = 3_600_000
        let current = period.index(ofDay: CalendarPeriod.day(ofMillis: now, offsetMinutes: offsetMinutes))
        let flows = stageFlows[ws] ?? StageFlows()
        var out = LifecyclePeriods(stages: spec.model.stages.map(\.name), periods: [])
        for k in stride(from: max(1, min(count, 120)) - 1, through: 0, by: -1) {
            let index = current - Int64(k)
            let start = period.firstDay(ofIndex: index) * day - shift
            let end = min(period.firstDay(ofIndex: index + 1) * day - shift, now)
            let sizes = spec.model.stages.map { s in
                segmentHistory(workspaceId: ws, segment: LifecycleStages.segmentName(s.name), from: end - hour, to: end - 1,
                               unit: hour).last?.size ?? 0
            }
            out.periods.append(.init(start: start, end: end, sizes: sizes, flows: flows.totals(from: start, to: end - 1)))
        }
        return out
    }
}

extension ProfileProjector {
    /// The last `count` periods of the workspace's lifecycle worked out from the events: each stage's size at
    /// each period's end, with the model's conditions evaluated as of that moment over the events before it,
    /// and the moves between a period's start and its end (`nil`: no stage, or not seen yet). Unlike
    /// ``lifecyclePeriods(workspaceId:period:count:offsetMinutes:)``, which reports the moves the projection
    /// recorded, this covers the periods before the model was set; a profile that moved twice within a
    /// period counts once, from where it was to where it ended. Attributes and traits are read as they are
    /// now.
    public func lifecycleHistory(workspaceId ws: WorkspaceID, period: CalendarPeriod, count: Int,
                                 offsetMinutes: Int) async throws -> LifecyclePeriods? {
        guard let spec = lifecycles[ws] else { return nil }
        try await ensureAudienceIndex()
        guard var audience = audiences[ws], let spec2 = lifecycles[ws], spec2.model == spec.model else { return nil }
        let now = clock.nowMillis()
        let shift = Int64(offsetMinutes) * 60_000, day = Timestamp.millisPerDay
        let current = period.index(ofDay: CalendarPeriod.day(ofMillis: now, offsetMinutes: offsetMinutes))
        let k = max(1, min(count, 120))
        let first = current - Int64(k - 1)
        // The first period's start, then each period's end (now, for the current one).
        let times = (0...k).map { i in min(period.firstDay(ofIndex: first + Int64(i)) * day - shift, now) }
        let names = spec.model.stages.map(\.name)
        let snapshots = audience.stagesAsOf(times, stages: names)
        audiences[ws] = audience
        var out = LifecyclePeriods(stages: names, periods: [])
        for i in 1..<snapshots.count {
            let before = snapshots[i - 1], after = snapshots[i]  // trap-ok: 1 ≤ i < count
            var sizes = [Int](repeating: 0, count: names.count)
            var moves: [StageFlows.Flow: Int] = [:]
            for pos in after.indices {
                let a = pos < before.count ? Int(before[pos]) : -1, b = Int(after[pos])  // trap-ok: checked; indices
                if b >= 0, b < sizes.count { sizes[b] += 1 }  // trap-ok: checked
                guard a != b else { continue }
                let from = a >= 0 && a < names.count ? names[a] : nil  // trap-ok: checked
                let to = b >= 0 && b < names.count ? names[b] : nil  // trap-ok: checked
                moves[StageFlows.Flow(from: from, to: to), default: 0] += 1
            }
            let flows = moves.map { (flow: $0.key, count: $0.value) }.sorted {
                ($0.count, $1.flow.from ?? "", $1.flow.to ?? "") > ($1.count, $0.flow.from ?? "", $0.flow.to ?? "")
            }
            out.periods.append(.init(start: times[i - 1], end: times[i], sizes: sizes, flows: flows))  // trap-ok: one time per snapshot
        }
        return out
    }
}
