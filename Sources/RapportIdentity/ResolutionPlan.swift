import RapportCore

/// What to do with one message's identifiers; made by ``ResolutionPlanner``,
/// applied by the engine.
///
/// To apply a plan: create the profile if ``target`` is ``ProfileRef/new``;
/// for each of ``merges`` in order, point `from` at `into`; attach each of
/// ``attach`` to the target; record ``warnings``; store the event on the
/// target (and note ``eventOwner`` so that unmerging can tell which side the
/// event came with).
public struct ResolutionPlan: Sendable, Hashable {
    /// The canonical profile the event belongs to.
    public var target: ProfileRef
    /// The profile that directly owns the event's highest-priority identifier
    /// once the plan is applied: its existing owner (which may be a profile
    /// merged into the target), or the target if that identifier is newly
    /// attached.
    public var eventOwner: ProfileRef
    /// Identifiers to attach to the target, in priority order. None of them
    /// has an owner yet.
    public var attach: [Identifier]
    /// Profiles to merge into the target, in order.
    public var merges: [Merge]
    /// Identifiers left out, and why.
    public var warnings: [IdentityWarning]

    /// Creates a plan.
    public init(target: ProfileRef, eventOwner: ProfileRef, attach: [Identifier] = [], merges: [Merge] = [],
                warnings: [IdentityWarning] = []) {
        self.target = target
        self.eventOwner = eventOwner
        self.attach = attach
        self.merges = merges
        self.warnings = warnings
    }

    /// Whether applying the plan changes the identity graph (a new profile,
    /// a merge or an attachment). Plans for returning visitors usually do not.
    public var changesGraph: Bool {
        target == .new || !attach.isEmpty || !merges.isEmpty
    }
}
