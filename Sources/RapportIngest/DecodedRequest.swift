import RapportCore

/// A decoded Tracking API request: the messages that passed validation and
/// the ones that did not.
public struct DecodedRequest: Sendable {
    /// The `writeKey` member of the body's top-level object, if it has one.
    /// (Most clients send the key in the `Authorization` header instead.)
    public var writeKey: String?
    /// The valid messages, in request order.
    public var accepted: [Message]
    /// The invalid messages of a batch, in request order.
    public var rejected: [Rejection]

    public init(writeKey: String? = nil, accepted: [Message] = [], rejected: [Rejection] = []) {
        self.writeKey = writeKey
        self.accepted = accepted
        self.rejected = rejected
    }
}
