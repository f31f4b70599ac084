import Foundation

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
public struct Message: @unchecked Sendable {
    // Sendable: the storage is only written through `makeUnique()`, so a copy sent
    // elsewhere never sees a change, and the fields are Sendable values.

    /// The fields, in one heap object shared by copies until one of them
    /// changes (copy on write). A message is copied several times on its way
    /// (into the append, into the projection); copying the fields themselves
    /// retained and released every string, dictionary and byte array each
    /// time: ~7 atomic operations a copy, against 1 now.
    ///
    /// `fields` is exempt from run-time exclusivity checks: every access goes
    /// through a `Message`, whose own accesses the compiler checks statically,
    /// and a write happens only on storage no other message shares
    /// (``makeUnique()``), so two overlapping accesses to one storage cannot
    /// occur. The checks cost a call per field read (~2% of the pipeline).
    @usableFromInline final class Storage {
        @exclusivity(unchecked) @usableFromInline var fields: Fields
        @usableFromInline init(_ fields: Fields) { self.fields = fields }
    }

    @usableFromInline struct Fields: Sendable {
        @usableFromInline var type: MessageType
        @usableFromInline var messageId: String
        @usableFromInline var userId: String?
        @usableFromInline var anonymousId: String?
        @usableFromInline var previousId: String?
        @usableFromInline var groupId: String?
        @usableFromInline var event: String?
        @usableFromInline var traits: [String: JSONValue]
        @usableFromInline var context: [String: JSONValue]
        @usableFromInline var propertiesRange: Range<Int>?
        @usableFromInline var timestamp: Int64
        @usableFromInline var clientTimestamp: Int64?
        @usableFromInline var receivedAt: Int64
        /// The bytes the message lies in: its own, or the whole request it came in.
        @usableFromInline var bytes: [UInt8]
        /// Where the message lies in `bytes`.
        @usableFromInline var bodyRange: Range<Int>
        /// Where the decoder found the bytes that decide identifiers in the body.
        @usableFromInline var identitySpan: IdentitySpan?
        /// Where in the body the `context` object lies that ``Message/context``
        /// is decoded from when read; `nil`: `context` holds it.
        @usableFromInline var contextRange: Range<Int>?
    }

    /// Where the bytes that decide a decoded message's identifiers lie in
    /// its ``body``: `context.device`, `context.externalIds`, and the
    /// `traits` that feed ``traits`` (`nil`: the message has none).
    ///
    /// Set by the decoder, and only when ``traits`` and ``context`` were
    /// decoded from those bytes alone (no batch-level `context`). Changing
    /// ``traits``, ``context`` or the body clears it. Identity resolution uses it to see,
    /// by comparing bytes, that a message carries exactly the identifiers of
    /// the one before (see `IdentifierExtractor.extractsTheSame` in
    /// RapportIdentity), and reads `device` and `externalIds` from it without
    /// decoding the rest of the context (``identityMembers``).
    public struct IdentitySpan: Sendable, Hashable {
        /// The value of `context.device`.
        public var device: Range<Int>?
        /// The value of `context.externalIds`.
        public var externalIds: Range<Int>?
        /// The top-level `traits`, for the types whose ``Message/traits`` they
        /// feed (`identify`, `group`).
        public var traits: Range<Int>?
        /// `context.traits`, for the types whose ``Message/traits`` it feeds
        /// (all but `group`).
        public var contextTraits: Range<Int>?

        public init(
            device: Range<Int>? = nil, externalIds: Range<Int>? = nil, traits: Range<Int>? = nil,
            contextTraits: Range<Int>? = nil
        ) {
            self.device = device
            self.externalIds = externalIds
            self.traits = traits
            self.contextTraits = contextTraits
        }
    }

    @usableFromInline var storage: Storage

    @inlinable @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(storage.fields)
        }
    }

    @inlinable public var type: MessageType {
        _read { yield storage.fields.type }
        _modify {
            makeUnique()
            yield &storage.fields.type
        }
    }

    @inlinable public var messageId: String {
        _read { yield storage.fields.messageId }
        _modify {
            makeUnique()
            yield &storage.fields.messageId
        }
    }

    @inlinable public var userId: String? {
        _read { yield storage.fields.userId }
        _modify {
            makeUnique()
            yield &storage.fields.userId
        }
    }

    @inlinable public var anonymousId: String? {
        _read { yield storage.fields.anonymousId }
        _modify {
            makeUnique()
            yield &storage.fields.anonymousId
        }
    }

    /// `alias`: the id the user had before.
    @inlinable public var previousId: String? {
        _read { yield storage.fields.previousId }
        _modify {
            makeUnique()
            yield &storage.fields.previousId
        }
    }

    /// `group`: the group (account) id.
    @inlinable public var groupId: String? {
        _read { yield storage.fields.groupId }
        _modify {
            makeUnique()
            yield &storage.fields.groupId
        }
    }

    /// `track`: the event name; `page`/`screen`: the page name, if any.
    @inlinable public var event: String? {
        _read { yield storage.fields.event }
        _modify {
            makeUnique()
            yield &storage.fields.event
        }
    }

    /// `identify`/`group`: `traits`; other types: `context.traits`.
    @inlinable public var traits: [String: JSONValue] {
        _read { yield storage.fields.traits }
        _modify {
            makeUnique()
            storage.fields.identitySpan = nil
            yield &storage.fields.traits
        }
    }

    /// The `context` members Rapport acts on, decoded: `device` (its `id`
    /// only), `externalIds`, `traits`, `campaign`, `channel`, `referrer` and
    /// `source` (``decodedContextMembers``).
    ///
    /// The ingest decoder validates the other members (`library`, `ip`,
    /// `userAgent`, `locale`, `page`, `screen`, `os`, `app`, …) but does not
    /// decode them, so they are absent here; the full `context` is in
    /// ``body``, which holds the message's exact bytes. For a batch, members
    /// of the batch-level `context` lie under the message's own.
    ///
    /// A message decoded without a batch-level context does not hold its
    /// context decoded: it is decoded from ``contextRange`` each time it is
    /// read (identity resolution reads it once, and only for a message whose
    /// identity bytes differ from the one before; most never need it).
    @inlinable public var context: [String: JSONValue] {
        get {
            guard let range = storage.fields.contextRange else { return storage.fields.context }
            return decodeContext(at: range)
        }
        _modify {
            makeUnique()
            materializeContext()
            storage.fields.identitySpan = nil
            yield &storage.fields.context
        }
    }

    /// Where in ``body`` the `context` object lies that ``context`` is
    /// decoded from when read; `nil` when ``context`` holds its members
    /// itself (a message built in code, or one whose context was merged
    /// over a batch-level context).
    @inlinable public var contextRange: Range<Int>? { storage.fields.contextRange }

    /// Makes ``context`` be decoded, when read, from the JSON object at
    /// `range` in ``body`` (which the caller has validated), instead of being
    /// held decoded. Setting the body or ``context`` decodes it first.
    public mutating func setContext(decodingFromBodyAt range: Range<Int>) {
        makeUnique()
        storage.fields.context = [:]
        storage.fields.contextRange = range
    }

    /// Decodes the context held as a range of the body into
    /// `storage.fields.context` (storage is unique).
    @usableFromInline mutating func materializeContext() {
        guard let range = storage.fields.contextRange else { return }
        storage.fields.context = decodeContext(at: range)
        storage.fields.contextRange = nil
    }

    /// Where `properties` lies in `body`, if the message has any. Properties are
    /// validated but not decoded on the ingest path; `properties()` decodes them.
    @inlinable public var propertiesRange: Range<Int>? {
        _read { yield storage.fields.propertiesRange }
        _modify {
            makeUnique()
            yield &storage.fields.propertiesRange
        }
    }

    /// The event time after clock-skew correction, in milliseconds since 1970.
    @inlinable public var timestamp: Int64 {
        _read { yield storage.fields.timestamp }
        _modify {
            makeUnique()
            yield &storage.fields.timestamp
        }
    }

    /// The time as the client sent it (`originalTimestamp` or `timestamp`), in
    /// milliseconds since 1970; `nil` if the client sent none.
    @inlinable public var clientTimestamp: Int64? {
        _read { yield storage.fields.clientTimestamp }
        _modify {
            makeUnique()
            yield &storage.fields.clientTimestamp
        }
    }

    /// When the server received the message, in milliseconds since 1970.
    @inlinable public var receivedAt: Int64 {
        _read { yield storage.fields.receivedAt }
        _modify {
            makeUnique()
            yield &storage.fields.receivedAt
        }
    }

    /// The message's JSON bytes as received.
    ///
    /// A message decoded from a batch lies inside its request's bytes, which
    /// it shares with the other messages of the request rather than holding a
    /// copy; reading `body` then copies it out. ``withBody(_:)`` and
    /// ``bodyCount`` read it without a copy.
    public var body: [UInt8] {
        get {
            let range = storage.fields.bodyRange
            if range == storage.fields.bytes.indices { return storage.fields.bytes }
            return Array(storage.fields.bytes[range])  // trap-ok: bodyRange lies in bytes (setBody checks)
        }
        set {
            makeUnique()
            materializeContext()
            storage.fields.identitySpan = nil
            storage.fields.bodyRange = newValue.indices
            storage.fields.bytes = newValue
        }
    }

    /// Where the decoder found the message's own `context` and `traits` in
    /// ``body``; see ``IdentitySpan``.
    public var identitySpan: IdentitySpan? {
        get { storage.fields.identitySpan }
        set {
            makeUnique()
            storage.fields.identitySpan = newValue
        }
    }

    /// The body's bytes at `range` (relative to the body) and another
    /// message's at `otherRange` are the same (both `nil` counts as the same;
    /// a range outside its body never matches).
    public func bodyBytes(_ range: Range<Int>?, equal otherRange: Range<Int>?, in other: Message) -> Bool {
        guard let range, let otherRange else { return range == nil && otherRange == nil }
        guard range.count == otherRange.count else { return false }
        return withBody { a in
            other.withBody { b in
                guard range.lowerBound >= 0, range.upperBound <= a.count,
                      otherRange.lowerBound >= 0, otherRange.upperBound <= b.count
                else { return false }
                guard !range.isEmpty, let pa = a.baseAddress, let pb = b.baseAddress else { return true }
                return memcmp(pa + range.lowerBound, pb + otherRange.lowerBound, range.count) == 0
            }
        }
    }

    /// The size of ``body`` in bytes.
    @inlinable public var bodyCount: Int { storage.fields.bodyRange.count }

    /// Calls `read` with the message's JSON bytes, without copying them.
    @inlinable
    public func withBody<R, E: Error>(_ read: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let range = storage.fields.bodyRange
        return try storage.fields.bytes.withUnsafeBufferPointer { (all) throws(E) -> R in
            try read(UnsafeBufferPointer(rebasing: all[range]))  // trap-ok: bodyRange lies in bytes (setBody checks)
        }
    }

    /// Sets the body to the bytes at `range` in `bytes` (a request the message
    /// came in), sharing `bytes` instead of copying the range. A range outside
    /// `bytes` is clamped to it.
    public mutating func setBody(in bytes: [UInt8], range: Range<Int>) {
        makeUnique()
        materializeContext()
        storage.fields.identitySpan = nil
        storage.fields.bodyRange = range.clamped(to: bytes.indices)
        storage.fields.bytes = bytes
    }

    public init(
        type: MessageType, messageId: String, userId: String? = nil, anonymousId: String? = nil,
        previousId: String? = nil, groupId: String? = nil, event: String? = nil,
        traits: [String: JSONValue] = [:], context: [String: JSONValue] = [:],
        propertiesRange: Range<Int>? = nil, timestamp: Int64, clientTimestamp: Int64? = nil,
        receivedAt: Int64, body: [UInt8]
    ) {
        storage = Storage(Fields(
            type: type, messageId: messageId, userId: userId, anonymousId: anonymousId, previousId: previousId,
            groupId: groupId, event: event, traits: traits, context: context, propertiesRange: propertiesRange,
            timestamp: timestamp, clientTimestamp: clientTimestamp, receivedAt: receivedAt, bytes: body,
            bodyRange: body.indices, identitySpan: nil, contextRange: nil))
    }

    /// A message as a decoder builds it, in one step: its body lies at
    /// `bodyRange` in `bytes` (a whole request, shared with the request's other
    /// messages), ``context`` is decoded from `contextRange` in the body when
    /// read if that is set (else `context` holds it), and `identitySpan` says
    /// where its identity bytes lie (see ``IdentitySpan``).
    ///
    /// The fields go into the storage at once: setting them one by one on a
    /// message checks uniqueness and exclusive access on each store.
    public init(
        decodedType type: MessageType, messageId: String, userId: String?, anonymousId: String?,
        previousId: String?, groupId: String?, event: String?, traits: [String: JSONValue],
        context: [String: JSONValue], contextRange: Range<Int>?, propertiesRange: Range<Int>?,
        timestamp: Int64, clientTimestamp: Int64?, receivedAt: Int64, bytes: [UInt8], bodyRange: Range<Int>,
        identitySpan: IdentitySpan?
    ) {
        storage = Storage(Fields(
            type: type, messageId: messageId, userId: userId, anonymousId: anonymousId, previousId: previousId,
            groupId: groupId, event: event, traits: traits, context: context, propertiesRange: propertiesRange,
            timestamp: timestamp, clientTimestamp: clientTimestamp, receivedAt: receivedAt, bytes: bytes,
            bodyRange: bodyRange.clamped(to: bytes.indices), identitySpan: identitySpan, contextRange: contextRange))
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
