import RapportCore

/// What ``IdentifierExtractor`` found in one message.
public struct ExtractedIdentifiers: Sendable, Hashable {
    /// Usable identifiers, normalised, without duplicates, highest priority first.
    public var identifiers: [Identifier]
    /// For `alias`: the trimmed `previousId`, unless it was blocked or invalid.
    public var aliasPreviousId: String?
    /// Values that were found but not used, with the reason.
    public var dropped: [DroppedIdentifier]

    /// Creates an extraction result.
    public init(identifiers: [Identifier], aliasPreviousId: String? = nil, dropped: [DroppedIdentifier] = []) {
        self.identifiers = identifiers
        self.aliasPreviousId = aliasPreviousId
        self.dropped = dropped
    }
}
