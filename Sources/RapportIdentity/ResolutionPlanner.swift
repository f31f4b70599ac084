import RapportCore

/// Decides, for one message, which profile it lands on, which identifiers to
/// attach, which profiles to merge, and which identifiers to leave out.
///
/// The planner does no I/O: it asks an ``IdentityGraphLookup`` about the
/// graph and returns a ``ResolutionPlan`` for the engine to apply. Plans for
/// the messages of one workspace must be made and applied one at a time (each
/// plan assumes the graph as the lookup shows it).
///
/// ## The algorithm
///
/// The message's identifiers are taken in priority order (see
/// ``IdentityRules``), highest first. For `alias`, `previousId` joins them
/// as a `user_id` if some profile has that `user_id`, else as an
/// `anonymous_id` (whether or not a profile has it); it comes after the
/// message's own identifiers of the same kind, so that `userId` wins over an
/// old `user_id` in `previousId`.
///
/// 1. **Target.** If the highest-priority identifier has an owner, the
///    target is that owner's canonical profile. Otherwise the target starts
///    as a new profile.
/// 2. **Each identifier, in priority order**, against the target as built
///    so far (its identifier counts include everything merged into it,
///    earlier merges of this message and identifiers attached earlier in
///    this message; a new target starts with none):
///    - *Owned by the target* (or by a profile merged into it, now or
///      before): nothing to do.
///    - *Owned by another canonical profile P*: P is merged into the target
///      unless an operator separated P from the target (or from a profile
///      this message already merged into it) — warning
///      ``IdentityWarning/Code/mergeBlocked`` — or, for some kind that both
///      hold, the two counts together exceed the kind's limit — warning
///      ``IdentityWarning/Code/mergeWouldExceedLimit``. A refused identifier
///      is left out; the event still lands on the target. Several identifiers
///      owned by the same P give one merge (or one refusal each).
///      While the target is still new, "merging P" means P becomes the
///      target and the identifiers planned so far are attached to P
///      instead: no profile is created.
///    - *Unowned*: attached to the target if the target holds fewer of its
///      kind than the limit, otherwise left out with warning
///      ``IdentityWarning/Code/limitExceeded``.
///
/// Because identifiers are handled highest priority first, the identifier
/// left out of a conflict is always the lower-priority one, and the
/// highest-priority identifier is always kept. An identify with a new
/// `userId` and the `anonymousId` of an anonymous profile attaches the
/// `user_id` to that profile; the same identify where the anonymous profile
/// already has another `user_id` creates a new profile for the new user and
/// leaves the `anonymous_id` where it is.
///
/// In short, the target is the canonical owner of the highest-priority
/// identifier that has an owner, unless identifiers ranked above it are new
/// and that owner cannot take them (it already has another `user_id`, say):
/// then the target is the next owner that can, or a new profile.
///
/// With limits that were respected before, no profile exceeds a limit after
/// the plan is applied, and no identifier is attached twice. A merge is
/// checked only on kinds both sides hold, so a profile already over a limit
/// (after the rules were tightened) can still absorb profiles that add
/// nothing of that kind.
///
/// If the message has no identifiers, the plan's target is
/// ``ProfileRef/new`` with nothing to attach; the engine decides what to do
/// with such an event.
public struct ResolutionPlanner: Sendable {
    /// The rules giving priorities and limits.
    public var rules: IdentityRules

    /// Creates a planner; by default with Rapport's default rules.
    public init(rules: IdentityRules = IdentityRules()) {
        self.rules = rules
    }

    /// The plan for a message's extracted identifiers.
    public func plan(_ extracted: ExtractedIdentifiers, lookup: some IdentityGraphLookup) -> ResolutionPlan {
        plan(identifiers: extracted.identifiers, aliasPreviousId: extracted.aliasPreviousId, lookup: lookup)
    }

    /// The plan for a message with these identifiers (normalised; any order;
    /// duplicates ignored) and, for `alias`, the normalised `previousId`.
    public func plan(
        identifiers: [Identifier], aliasPreviousId: String? = nil, lookup: some IdentityGraphLookup
    ) -> ResolutionPlan {
        let table = rules.kindTable

        // Identifiers with their direct owners, in priority order; within a
        // kind, alias's previousId after the message's own identifiers.
        var entries: [Entry] = []
        entries.reserveCapacity(identifiers.count + 1)
        for id in identifiers {
            entries.append(Entry(id: id, rank: table.rank(of: id.kind), owner: lookup.owner(of: id), isPreviousId: false))
        }
        if let previousId = aliasPreviousId {
            let asUser = Identifier(kind: Identifier.Kind.userId, value: previousId)
            if let owner = lookup.owner(of: asUser) {
                entries.append(Entry(id: asUser, rank: table.rank(of: asUser.kind), owner: owner, isPreviousId: true))
            } else {
                let asAnonymous = Identifier(kind: Identifier.Kind.anonymousId, value: previousId)
                entries.append(Entry(
                    id: asAnonymous, rank: table.rank(of: asAnonymous.kind), owner: lookup.owner(of: asAnonymous),
                    isPreviousId: true))
            }
        }
        Entry.sortAndDeduplicate(&entries)

        var state = PlanState(table: table)
        // Most messages meet one profile: the first answer is kept without allocating an array.
        var firstCanonical: (ProfileID, ProfileID)?
        var canonicalCache: [(ProfileID, ProfileID)] = []
        func canonical(_ p: ProfileID) -> ProfileID {
            if let hit = firstCanonical, hit.0 == p { return hit.1 }
            if let hit = canonicalCache.first(where: { $0.0 == p }) { return hit.1 }
            let c = lookup.canonical(p)
            if firstCanonical == nil { firstCanonical = (p, c) } else { canonicalCache.append((p, c)) }
            return c
        }

        if let first = entries.first, let owner = first.owner {
            state.target = canonical(owner)
        }

        // The first identifier the event keeps, and its direct owner (nil: newly attached).
        var firstKept: ProfileID?? = nil

        for entry in entries {
            guard let owner = entry.owner else {
                if state.attach(entry.id, lookup: lookup), firstKept == nil { firstKept = .some(nil) }
                continue
            }
            if state.join(canonical(owner), via: entry.id, lookup: lookup), firstKept == nil {
                firstKept = .some(owner)
            }
        }

        let targetRef: ProfileRef = state.target.map { .existing($0) } ?? .new
        let eventOwner: ProfileRef
        if case .some(.some(let owner)) = firstKept {
            eventOwner = .existing(owner)
        } else {
            eventOwner = targetRef
        }
        return ResolutionPlan(
            target: targetRef, eventOwner: eventOwner, attach: state.attached, merges: state.merges,
            warnings: state.warnings)
    }
}

/// One identifier of the message being planned.
private struct Entry {
    var id: Identifier
    var rank: Int
    var owner: ProfileID?
    var isPreviousId: Bool

    /// Order of two entries of equal rank: kind, the message's own before
    /// previousId, value.
    static func sameRankPrecedes(_ a: Entry, _ b: Entry) -> Bool {
        if a.id.kind != b.id.kind { return a.id.kind < b.id.kind }
        if a.isPreviousId != b.isPreviousId { return b.isPreviousId }
        return a.id.value < b.id.value
    }

    /// Insertion sort (few entries, usually sorted already), then drops
    /// repeated identifiers, keeping the first.
    static func sortAndDeduplicate(_ entries: inout [Entry]) {
        guard entries.count > 1 else { return }
        var increasing = true
        for k in 1..<entries.count where entries[k].rank <= entries[k - 1].rank {  // trap-ok: 0 < k < count
            increasing = false
            break
        }
        // Strictly increasing ranks: sorted, and distinct kinds cannot repeat an identifier.
        if increasing { return }
        var i = 1
        while i < entries.count {
            var j = i
            // trap-ok: 0 < j < count
            while j > 0, entries[j].rank < entries[j - 1].rank
                || (entries[j].rank == entries[j - 1].rank && sameRankPrecedes(entries[j], entries[j - 1])) {
                entries.swapAt(j, j - 1)
                j -= 1
            }
            i += 1
        }
        var k = 1
        while k < entries.count {
            // trap-ok: 0 < k < count
            if entries[..<k].contains(where: { $0.rank == entries[k].rank && $0.id == entries[k].id }) {
                entries.remove(at: k)
            } else {
                k += 1
            }
        }
    }
}

/// The target as one plan builds it.
private struct PlanState {
    let table: KindTable
    /// The canonical target, `nil` while it is a new profile.
    var target: ProfileID?
    /// Identifier counts of the target so far; valid when `countsLoaded`.
    var counts = KindCounts()
    var countsLoaded = false
    var attached: [Identifier] = []
    var merges: [Merge] = []
    var warnings: [IdentityWarning] = []
    /// Profiles merged into the target by this plan.
    var merged: [ProfileID] = []
    /// Profiles refused, with the warning given for them.
    var refused: [(profile: ProfileID, code: IdentityWarning.Code, detail: String)] = []

    init(table: KindTable) {
        self.table = table
    }

    var targetName: String { target.map { "profile \($0)" } ?? "the new profile" }

    mutating func loadCounts(_ lookup: some IdentityGraphLookup) {
        guard !countsLoaded else { return }
        if let target { counts = KindCounts(lookup.identifierCounts(of: target)) }
        countsLoaded = true
    }

    /// Attaches an unowned identifier if its kind has room; returns whether it did.
    mutating func attach(_ id: Identifier, lookup: some IdentityGraphLookup) -> Bool {
        loadCounts(lookup)
        let limit = table.maxPerProfile(id.kind)
        let have = counts[id.kind]
        guard have < limit else {
            warnings.append(IdentityWarning(
                identifier: id, code: .limitExceeded,
                detail: "\(targetName) already has \(have) \(id.kind) (max \(limit))"))
            return false
        }
        counts.add(1, to: id.kind)
        attached.append(id)
        return true
    }

    /// Brings the canonical profile `p`, owner of `id`, into the target;
    /// returns whether `id` ends up on the target.
    mutating func join(_ p: ProfileID, via id: Identifier, lookup: some IdentityGraphLookup) -> Bool {
        if p == target || merged.contains(p) { return true }
        if let refusal = refused.first(where: { $0.profile == p }) {
            warnings.append(IdentityWarning(identifier: id, code: refusal.code, detail: refusal.detail))
            return false
        }
        if let target {
            let separated = lookup.isMergeBlocked(p, target) ? target : merged.first { lookup.isMergeBlocked(p, $0) }
            if let separated {
                return refuse(p, id, .mergeBlocked, "an operator separated profile \(p) and profile \(separated)")
            }
        }
        loadCounts(lookup)
        let theirs = lookup.identifierCounts(of: p)
        if let (kind, total) = firstExceeded(theirs) {
            return refuse(
                p, id, .mergeWouldExceedLimit,
                "profile \(p) cannot join \(targetName): together they would have \(total) \(kind) (max \(table.maxPerProfile(kind)))")
        }
        for (kind, n) in theirs { counts.add(n, to: kind) }
        if let target {
            merges.append(Merge(from: p, into: target, via: id))
            merged.append(p)
        } else {
            // The target was still new: p takes the identifiers planned so far.
            target = p
        }
        return true
    }

    private mutating func refuse(_ p: ProfileID, _ id: Identifier, _ code: IdentityWarning.Code, _ detail: String) -> Bool {
        refused.append((p, code, detail))
        warnings.append(IdentityWarning(identifier: id, code: code, detail: detail))
        return false
    }

    /// The highest-priority kind that both the target and `theirs` hold and
    /// whose combined count exceeds its limit, with that count.
    private func firstExceeded(_ theirs: [String: Int]) -> (String, Int)? {
        var worst: (kind: String, total: Int, rank: Int)?
        for (kind, n) in theirs where n > 0 {
            let m = counts[kind]
            guard m > 0 else { continue }
            let (sum, overflow) = m.addingReportingOverflow(n)
            let total = overflow ? Int.max : sum
            guard total > table.maxPerProfile(kind) else { continue }
            let rank = table.rank(of: kind)
            if let current = worst, current.rank < rank || (current.rank == rank && current.kind < kind) { continue }
            worst = (kind, total, rank)
        }
        return worst.map { ($0.kind, $0.total) }
    }
}
