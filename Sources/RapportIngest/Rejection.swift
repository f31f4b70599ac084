import RapportCore

/// A message of a batch that failed validation.
public struct Rejection: Sendable, Hashable {
    /// The message's position in `batch` (from 0).
    public var index: Int
    /// The message's `messageId`, if it had a usable one.
    public var messageId: String?
    /// Why it was rejected (`.invalidType`, `.missingIdentity`, …).
    public var error: RapportError

    public init(index: Int, messageId: String?, error: RapportError) {
        self.index = index
        self.messageId = messageId
        self.error = error
    }
}
