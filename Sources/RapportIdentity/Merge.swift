import RapportCore

/// One merge in a ``ResolutionPlan``: the canonical profile `from` joins the
/// canonical profile `into` (from then on `from` points to `into`).
public struct Merge: Sendable, Hashable {
    /// The profile merged away (canonical before the merge).
    public var from: ProfileID
    /// The plan's target (canonical).
    public var into: ProfileID
    /// The message identifier, owned by `from`, that brought the two together.
    public var via: Identifier

    /// Creates a merge of `from` into `into`.
    public init(from: ProfileID, into: ProfileID, via: Identifier) {
        self.from = from
        self.into = into
        self.via = via
    }
}
