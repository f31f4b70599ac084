import RapportCore

/// What ``ResolutionPlanner`` needs to know about the identity graph. The
/// engine implements it over its store (and whatever it has cached); tests
/// implement it over a dictionary.
///
/// The planner calls each method at most a few times per message and only
/// as far as it needs to: a message whose identifiers all belong to one
/// profile costs one ``owner(of:)`` and one ``canonical(_:)`` per identifier
/// and nothing else.
public protocol IdentityGraphLookup {
    /// The profile `identifier` was attached to (directly; that profile may
    /// since have been merged into another), or `nil` if no profile has it.
    func owner(of identifier: Identifier) -> ProfileID?
    /// The live profile `profile` ends in when following merged-into
    /// pointers; `profile` itself if it was never merged away.
    func canonical(_ profile: ProfileID) -> ProfileID
    /// How many identifiers of each kind the canonical profile holds,
    /// counting everything merged into it. Kinds it has none of may be
    /// missing.
    func identifierCounts(of canonical: ProfileID) -> [String: Int]
    /// Whether an operator separated the two canonical profiles (or profiles
    /// merged into them), so they must not be merged again.
    func isMergeBlocked(_ a: ProfileID, _ b: ProfileID) -> Bool
}
