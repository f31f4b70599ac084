import RapportCore

/// A profile a ``ResolutionPlan`` refers to: one that exists, or the one the
/// engine is to create for the message.
public enum ProfileRef: Hashable, Sendable {
    /// An existing profile.
    case existing(ProfileID)
    /// The profile the engine creates when it applies the plan (one per plan).
    case new

    /// The existing profile's id, or `nil` for ``new``.
    public var profileID: ProfileID? {
        if case .existing(let id) = self { return id }
        return nil
    }
}
