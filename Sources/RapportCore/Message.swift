/// The kinds of Segment-spec message.
public enum MessageType: String, Sendable, Hashable, CaseIterable {
    case identify, track, page, screen, group, alias
}

/// A Segment-spec message after decoding and validation: what a channel sent,
/// with the fields Rapport acts on pulled out and the rest kept as it arrived.
///
/// `body` holds the message's JSON exactly as received (after the server has
/// added `receivedAt` and the corrected `timestamp` to its columns, not to the
/// bytes), so the log keeps the original and anything can be re-derived.
public struct Message: Sendable {
    public var type: MessageType
    public var messageId: String
    public var userId: String?
    public var anonymousId: String?
    /// `alias`: the id the user had before.
    public var previousId: String?
    /// `group`: the group (account) id.
    public var groupId: String?
    /// `track`: the event name; `page`/`screen`: the page name, if any.
    public var event: String?
    /// `identify`/`group`: `traits`; other types: `context.traits`.
    public var traits: [String: JSONValue]
    /// The `context` members Rapport acts on, decoded: `device`,
    /// `externalIds`, `traits`, `campaign`, `channel`, `referrer` and `source`
    /// (see `MessageDecoder.decodedContextMembers` in RapportIngest).
    ///
    /// The ingest decoder validates the other members (`library`, `ip`,
    /// `userAgent`, `locale`, `page`, `screen`, `os`, `app`, …) but does not
    /// decode them, so they are absent here; the full `context` is in
    /// ``body``, which holds the message's exact bytes. For a batch, members
    /// of the batch-level `context` lie under the message's own.
    public var context: [String: JSONValue]
    /// Where `properties` lies in `body`, if the message has any. Properties are
    /// validated but not decoded on the ingest path; `properties()` decodes them.
    public var propertiesRange: Range<Int>?
    /// The event time after clock-skew correction, in milliseconds since 1970.
    public var timestamp: Int64
    /// The time as the client sent it (`originalTimestamp` or `timestamp`), in
    /// milliseconds since 1970; `nil` if the client sent none.
    public var clientTimestamp: Int64?
    /// When the server received the message, in milliseconds since 1970.
    public var receivedAt: Int64
    /// The message's JSON bytes as received.
    public var body: [UInt8]

    public init(
        type: MessageType, messageId: String, userId: String? = nil, anonymousId: String? = nil,
        previousId: String? = nil, groupId: String? = nil, event: String? = nil,
        traits: [String: JSONValue] = [:], context: [String: JSONValue] = [:],
        propertiesRange: Range<Int>? = nil, timestamp: Int64, clientTimestamp: Int64? = nil,
        receivedAt: Int64, body: [UInt8]
    ) {
        self.type = type
        self.messageId = messageId
        self.userId = userId
        self.anonymousId = anonymousId
        self.previousId = previousId
        self.groupId = groupId
        self.event = event
        self.traits = traits
        self.context = context
        self.propertiesRange = propertiesRange
        self.timestamp = timestamp
        self.clientTimestamp = clientTimestamp
        self.receivedAt = receivedAt
        self.body = body
    }

    /// The name shown in timelines and counted in aggregates: the track event
    /// name, or the message type for the others (`page`, `identify`, …).
    public var displayName: String {
        switch type {
        case .track: return event ?? "track"
        default: return type.rawValue
        }
    }
}
