import RapportAudience
import RapportInsights
import RapportCore
import RapportStore

/// The RFM grid of a workspace: customers per (R, F) cell and per group.
public struct RFMOverview: Sendable {
    public struct Cell: Sendable, Hashable {
        public var r: Int
        public var f: Int
        public var customers: Int
        public var monetary: Double
    }

    public var model: RFMModel
    /// When the scores were last worked out (ms since 1970).
    public var computedAt: Int64
    /// 25 cells, R 5…1 then F 1…5.
    public var cells: [Cell]
    /// Customers per group, in the order of ``RFM/Group``'s cases.
    public var groups: [(group: RFM.Group, customers: Int)]
    /// Customers with a purchase (scored).
    public var scored: Int
}

/// RFM per profile: recency (days since the last purchase), frequency
/// (distinct purchase days) and monetary (total amount) as of today, scored
/// 1–5 by quintiles of rank over the workspace's customers, ties to the lower
/// profile id (``RFM/compute(_:asOfDay:)``).
///
/// The scores are relative, so they are worked out for every profile at once:
/// when the model is set, after a rebuild, and at every scheduler tick (each
/// minute). Between two, conditions read the last scores (`rfm.r`,
/// `rfm.group`, …) as an attribute of the profile, so both evaluators agree.
extension ProfileProjector {
    /// Works the workspace's RFM out again and re-evaluates the profiles whose scores changed.
    func refreshRFM(workspaceId ws: WorkspaceID) {
        guard !audienceStale else { return }
        guard let model = rfmModels[ws] else {
            // The model was removed: conditions no longer find `rfm` (nor `clv`, made of its purchases).
            clvModels[ws] = nil
            clvFittedAt[ws] = nil
            churnModels[ws] = nil
            let hadCLV = clvScores.removeValue(forKey: ws) != nil
            let hadChurn = churnRisk.removeValue(forKey: ws) != nil
            if rfmScores.removeValue(forKey: ws) != nil || hadCLV || hadChurn,
               audiences[ws]?.readsRFM == true || audiences[ws]?.reads(attribute: "clv") == true
               || audiences[ws]?.reads(attribute: "churn") == true {
                refreshAllAudiences(workspaceId: ws)
            }
            return
        }
        let now = clock.nowMillis()
        if audiences[ws]?.isEmpty ?? true {
            // Nothing evaluates profiles: record them, for their slots.
            _ = audiences[ws, default: Audience()].refresh(all: liveProfiles(workspaceId: ws).map(audienceProfile), now: now)
        }
        guard let audience = audiences[ws] else { return }
        let fresh = audience.rfm(model, now: now)
        let old = rfmScores[ws] ?? [:]
        rfmScores[ws] = fresh
        rfmComputedAt[ws] = now
        refreshCLV(workspaceId: ws, audience: audience, model: model, now: now)
        guard audience.readsRFM else { return }
        var changed: [ProfileID] = []
        for (id, v) in fresh where old[id] != v { changed.append(id) }
        for id in old.keys where fresh[id] == nil { changed.append(id) }
        if changed.count * 8 > max(1, audience.liveCount) {
            refreshAllAudiences(workspaceId: ws)
            return
        }
        for id in changed.sorted() where graph.nodes.isLive(id) {
            if let changes = audiences[ws]?.refresh(audienceProfile(id), now: now) { recordMembership(changes, workspaceId: ws) }
        }
    }

    /// A live profile's RFM as last worked out; `nil` without a model or a purchase.
    public func rfm(of id: ProfileID, workspaceId ws: WorkspaceID) -> ProfileRFM? {
        rfmScores[ws]?[graph.canonical(id)]
    }

    /// The workspace's RFM model, if it has one.
    public func rfmModel(workspaceId ws: WorkspaceID) -> RFMModel? { rfmModels[ws] }

    /// Customers per (R, F) cell with their average spend, and per group.
    public func rfmOverview(workspaceId ws: WorkspaceID) -> RFMOverview? {
        guard let model = rfmModels[ws] else { return nil }
        var counts = [Int](repeating: 0, count: 25)
        var spend = [Double](repeating: 0, count: 25)
        var groups: [RFM.Group: Int] = [:]
        let scores = rfmScores[ws] ?? [:]
        for v in scores.values where (1...5).contains(v.r) && (1...5).contains(v.f) {
            let cell = (5 - v.r) * 5 + (v.f - 1)
            counts[cell] += 1  // trap-ok: 0 ≤ cell < 25 for scores 1…5
            spend[cell] += v.monetary  // trap-ok: as above
            groups[v.group, default: 0] += 1
        }
        var cells: [RFMOverview.Cell] = []
        for k in 0..<25 {
            cells.append(.init(r: 5 - k / 5, f: k % 5 + 1, customers: counts[k],  // trap-ok: k < 25
                               monetary: counts[k] > 0 ? spend[k] / Double(counts[k]) : 0))  // trap-ok: as above
        }
        return RFMOverview(model: model, computedAt: rfmComputedAt[ws] ?? 0, cells: cells,
                           groups: RFM.Group.allCases.map { ($0, groups[$0] ?? 0) }, scored: scores.count)
    }
}

/// CLV per profile: BG/NBD and Gamma-Gamma fitted to the workspace's purchases
/// (the RFM model's purchase event and amount), weeks as the unit, the whole
/// history as calibration; each profile's P(alive), expected purchases and
/// spend over 12 months and its value discounted at 1% a month. Fitted again
/// at most every hour (at the scheduler's tick); conditions read `clv.value`,
/// `clv.p_alive`, `clv.expected_purchases`, `clv.expected_spend`. The churn
/// model (``Churn``) is trained at the same time; conditions read `churn.risk`
/// (a lifecycle model's at-risk stage may use it: `churn.risk > 0.7`).
extension ProfileProjector {
    static let clvRefitMillis: Int64 = 3_600_000

    func refreshCLV(workspaceId ws: WorkspaceID, audience: Audience, model: RFMModel, now: Int64, force: Bool = false) {
        if !force, let at = clvFittedAt[ws], now - at < Self.clvRefitMillis, now >= at { return }
        clvFittedAt[ws] = now
        let (q, r) = now.quotientAndRemainder(dividingBy: Timestamp.millisPerDay)
        let today = Int(r < 0 ? q - 1 : q)
        let purchases = audience.purchases(model)
        refreshChurn(workspaceId: ws, audience: audience, purchases: purchases, today: today)
        do {
            let (fit, scores) = try ProfileCLV.compute(purchases, today: today)
            clvScores[ws] = scores
            clvModels[ws] = fit
        } catch {
            // Too few repeat purchases to fit: no figures until there are.
            clvScores[ws] = [:]
            clvModels[ws] = nil
            logger.info("CLV not fitted", metadata: ["workspace": "\(ws)", "reason": "\(error.message)"])
        }
        if audience.reads(attribute: "clv") || audience.reads(attribute: "churn") { refreshAllAudiences(workspaceId: ws) }
    }

    /// The churn model trained on the workspace's history (``Churn``) and each profile's risk: no purchase in the
    /// next 90 days, or a third of the history when it is shorter than 270 days (at least 14).
    func refreshChurn(workspaceId ws: WorkspaceID, audience: Audience, purchases: RFM.Purchases, today: Int) {
        let firstDay = purchases.days.min().map(Int.init) ?? today
        let horizon = min(90, max(14, (today - firstDay) / 3))
        let days = [today - 2 * horizon, today - horizon, today]
        let seen = audience.activity(asOfDays: days)
        var byDay: [Int: [Int64: Churn.Activity]] = [:]
        for (day, profiles) in zip(days, seen) {
            var m: [Int64: Churn.Activity] = [:]
            m.reserveCapacity(profiles.count)
            for (id, a) in profiles { m[id.rawValue] = Churn.Activity(lastDay: a.lastDay, last7: a.last7, last30: a.last30) }
            byDay[day] = m
        }
        do {
            let (fitted, risk) = try Churn.fit(purchases: purchases, activity: { byDay[$0] ?? [:] }, today: today,
                                               horizonDays: horizon)
            var out: [ProfileID: Double] = [:]
            out.reserveCapacity(risk.count)
            for (id, p) in risk { out[ProfileID(id)] = p }
            churnRisk[ws] = out
            churnModels[ws] = fitted
        } catch {
            churnRisk[ws] = [:]
            churnModels[ws] = nil
            logger.info("churn model not trained", metadata: ["workspace": "\(ws)", "reason": "\(error.message)"])
        }
    }

    /// A live profile's churn risk: the probability of no purchase in the model's horizon (``Churn/Model/horizonDays``).
    public func churnRisk(of id: ProfileID, workspaceId ws: WorkspaceID) -> Double? {
        churnRisk[ws]?[graph.canonical(id)]
    }

    /// The workspace's churn model, with its holdout AUC.
    public func churnModel(workspaceId ws: WorkspaceID) -> Churn.Model? { churnModels[ws] }

    /// A live profile's CLV figures as last worked out; `nil` without an RFM model, a fit, or a purchase.
    public func clv(of id: ProfileID, workspaceId ws: WorkspaceID) -> ProfileCLV? {
        clvScores[ws]?[graph.canonical(id)]
    }

    /// The workspace's fitted CLV models, if any.
    public func clvModel(workspaceId ws: WorkspaceID) -> CLV? { clvModels[ws] }
}
