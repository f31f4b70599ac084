/// A value that looked like an identifier but was not used.
public struct DroppedIdentifier: Sendable, Hashable {
    /// Why a value was not used.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// A placeholder (`"null"`, `"guest"`, all zeros, …).
        case blocked
        /// Malformed for its kind (not an e-mail address, too long, …).
        case invalid
    }

    /// The kind the value would have had. `previous_id` for an `alias`
    /// message's `previousId`, `external_id` for an `externalIds` item whose
    /// type is missing or unusable.
    public var kind: String
    /// The value as received.
    public var value: String
    /// Why it was dropped.
    public var reason: Reason

    /// Creates a record of a dropped value.
    public init(kind: String, value: String, reason: Reason) {
        self.kind = kind
        self.value = value
        self.reason = reason
    }

    /// The pseudo-kind reported for an `alias` message's `previousId`.
    public static let previousIdKind = "previous_id"
}
