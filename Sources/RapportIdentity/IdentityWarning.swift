import RapportCore

/// An identifier of a message that ``ResolutionPlanner`` left out, and why.
/// The message is still recorded on the plan's target.
public struct IdentityWarning: Sendable, Hashable {
    /// Why an identifier was left out.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The identifier is new, but the target already holds as many of its
        /// kind as the rules allow.
        case limitExceeded = "limit_exceeded"
        /// The identifier belongs to another profile, and merging that profile
        /// into the target would put more of some kind on one profile than the
        /// rules allow (two `user_id`s, say).
        case mergeWouldExceedLimit = "merge_would_exceed_limit"
        /// The identifier belongs to another profile that an operator separated
        /// from the target (or from a profile merged into it by the same message).
        case mergeBlocked = "merge_blocked"
    }

    /// The identifier left out.
    public var identifier: Identifier
    /// Why it was left out.
    public var code: Code
    /// A sentence for people, naming the profiles and the limit involved.
    public var detail: String

    /// Creates a warning.
    public init(identifier: Identifier, code: Code, detail: String) {
        self.identifier = identifier
        self.code = code
        self.detail = detail
    }
}
