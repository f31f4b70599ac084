import RapportCore

/// Decodes Segment HTTP Tracking API request bodies into ``Message``s.
///
/// Request-level problems throw: a body over
/// ``IngestLimits/maxRequestBytes`` (`.requestTooLarge`), text that is not
/// JSON (`.invalidJSON`), a body that is not an object or a batch without a
/// `batch` array (`.invalidMessage`), an unparseable batch-level `sentAt`
/// (`.invalidTimestamp`), more than ``IngestLimits/maxBatchMessages``
/// messages (`.batchTooLarge`).
///
/// In a batch, each invalid message becomes a ``Rejection`` and the others
/// are accepted. A single-message endpoint throws the message's error.
///
/// A message is invalid when it is over ``IngestLimits/maxMessageBytes``
/// (`.messageTooLarge`); is not an object, or has a `context`, `traits` or
/// `properties` that is neither an object nor `null` (`.invalidMessage`); has
/// no known `type` (`.invalidType`); has neither `userId` nor `anonymousId`
/// (`.missingIdentity`); is a `track` without `event` (`.missingEvent`), an
/// `alias` without `previousId` (`.missingPreviousId`), a `group` without
/// `groupId` (`.missingGroupId`); or has a `timestamp`, `originalTimestamp`
/// or `sentAt` that is not an ISO 8601 string or `null`
/// (`.invalidTimestamp`; numeric epoch times are rejected).
///
/// Field mapping:
///
/// - `userId`, `anonymousId`, `previousId`, `groupId`, `messageId`: strings
///   or numbers (`42`, not `42.0`), trimmed of ASCII whitespace; empty means
///   absent; other JSON types are ignored.
/// - `event` (track) and `name` (page, screen) become ``Message/event``,
///   trimmed; empty means absent.
/// - `traits`: the top-level object for identify (merged over `context.traits`,
///   where RudderStack's SDKs put them) and group, `context.traits`
///   for the others.
/// - `context`: only the members in ``decodedContextMembers`` (`device`,
///   `externalIds`, `traits`, `campaign`, `channel`, `referrer`, `source`)
///   are decoded into ``Message/context``; the others (`library`, `ip`,
///   `userAgent`, `page`, `os`, …) are validated (bad JSON in them is still
///   an error) and skipped, and stay in ``Message/body`` only. A batch-level
///   `context` lies under the message's, for the selected members only (the
///   message's members win, key by key, shallowly).
/// - `properties`: validated, not decoded; ``Message/propertiesRange`` gives
///   its bytes within ``Message/body``.
/// - A missing `messageId` is derived from the message's bytes
///   (`auto-` and 32 hex digits of FNV-1a 128), so an identical retry gets
///   the same id.
/// - Times: see ``correctedTimestamp(receivedAt:sentAt:originalTimestamp:timestamp:)``.
///   `sentAt` is the message's own, else the batch's.
///
/// JSON is read by ``JSONScanner`` in one pass; nesting is limited to
/// ``JSONScanner/defaultMaxDepth`` levels counted from the request's root.
public struct MessageDecoder: Sendable {
    public var limits: IngestLimits

    public init(limits: IngestLimits = IngestLimits()) {
        self.limits = limits
    }

    /// Decodes a request body sent to `endpoint` and received at `receivedAt`
    /// (milliseconds since 1970).
    public func decode(body: [UInt8], endpoint: IngestEndpoint, receivedAt: Int64) throws(RapportError) -> DecodedRequest {
        guard body.count <= limits.maxRequestBytes else {
            throw RapportError(
                .requestTooLarge, "request body is \(body.count) bytes; the limit is \(limits.maxRequestBytes)")
        }
        return try body.withUnsafeBufferPointer { (buffer) throws(RapportError) -> DecodedRequest in
            switch endpoint {
            case .single(let type):
                do throws(MessageFailure) {
                    let (message, writeKey) = try decodeSingle(
                        buffer, request: body, expectedType: type, batch: BatchInfo(), receivedAt: receivedAt,
                        what: "request body")
                    return DecodedRequest(writeKey: writeKey, accepted: [message], rejected: [])
                } catch {
                    throw error.error
                }
            case .batch:
                return try decodeBatch(buffer, request: body, receivedAt: receivedAt)
            }
        }
    }

    /// Decodes one JSON text holding one message (a line of a JSONL export).
    /// Its `type` field is required. Whitespace around the object is allowed;
    /// ``IngestLimits/maxMessageBytes`` applies. Errors are those a batch
    /// message would be rejected with, or `.invalidJSON`.
    public func decodeLine(_ bytes: [UInt8], receivedAt: Int64) throws(RapportError) -> Message {
        try decodeMessage(bytes, type: nil, receivedAt: receivedAt)
    }

    /// Decodes one JSON text holding one message.
    ///
    /// - Parameters:
    ///   - type: The type the caller expects: the message's `type` may then
    ///     be absent, and must match if present. `nil`: `type` is required.
    ///   - batchContext: A context the message's own `context` is merged over;
    ///     only its ``decodedContextMembers`` are used.
    ///   - batchSentAt: The `sentAt` to use when the message has none.
    public func decodeMessage(
        _ bytes: [UInt8], type: MessageType?, batchContext: [String: JSONValue] = [:],
        batchSentAt: Int64? = nil, receivedAt: Int64
    ) throws(RapportError) -> Message {
        try bytes.withUnsafeBufferPointer { (buffer) throws(RapportError) -> Message in
            do throws(MessageFailure) {
                return try decodeSingle(
                    buffer, request: bytes, expectedType: type,
                    batch: BatchInfo(
                        context: batchContext.isEmpty ? [:] : Self.selectedContext(batchContext), sentAt: batchSentAt),
                    receivedAt: receivedAt, what: "message"
                ).message
            } catch {
                throw error.error
            }
        }
    }

    /// The event time Rapport uses, in milliseconds since 1970.
    ///
    /// - With `originalTimestamp` and `sentAt` (both device clock): the
    ///   device's clock skew is removed, `receivedAt − (sentAt −
    ///   originalTimestamp)`. If that overflows or falls outside years
    ///   0000–9999, `receivedAt`.
    /// - Else `timestamp` as sent; else `originalTimestamp`; else `receivedAt`.
    public static func correctedTimestamp(
        receivedAt: Int64, sentAt: Int64?, originalTimestamp: Int64?, timestamp: Int64?
    ) -> Int64 {
        if let original = originalTimestamp, let sentAt {
            let (delay, o1) = sentAt.subtractingReportingOverflow(original)
            let (corrected, o2) = receivedAt.subtractingReportingOverflow(delay)
            guard !o1, !o2, corrected >= minimumTimestamp, corrected <= maximumTimestamp else { return receivedAt }
            return corrected
        }
        return timestamp ?? originalTimestamp ?? receivedAt
    }

    /// 0000-01-01T00:00:00.000Z.
    static let minimumTimestamp: Int64 = -62_167_219_200_000
    /// 9999-12-31T23:59:59.999Z.
    static let maximumTimestamp: Int64 = 253_402_300_799_999

    // MARK: - Request shapes

    /// Decodes a text that holds one message object. JSON errors are
    /// failures without a message id. `buffer` points into `request`, which
    /// the message's body shares.
    func decodeSingle(
        _ buffer: UnsafeBufferPointer<UInt8>, request: [UInt8], expectedType: MessageType?, batch: BatchInfo,
        receivedAt: Int64, what: String
    ) throws(MessageFailure) -> (message: Message, writeKey: String?) {
        var scanner = JSONScanner(buffer)
        scanner.skipByteOrderMark()
        var scanned = ScannedMessage()
        do throws(RapportError) {
            try Self.scanMessage(&scanner, into: &scanned)
            try scanner.expectEnd()
        } catch {
            throw MessageFailure(error: error)
        }
        guard scanned.isObject else {
            throw MessageFailure(error: RapportError(.invalidMessage, "\(what) must be a JSON object"))
        }
        return try finish(
            &scanned, in: buffer, request: request, expectedType: expectedType, batch: batch, receivedAt: receivedAt)
    }

    /// Decodes a batch request; `buffer` points into `request`, whose bytes
    /// the messages' bodies share.
    func decodeBatch(_ buffer: UnsafeBufferPointer<UInt8>, request: [UInt8], receivedAt: Int64)
        throws(RapportError) -> DecodedRequest
    {
        var scanner = JSONScanner(buffer)
        scanner.skipByteOrderMark()
        guard scanner.peek() == UInt8(ascii: "{") else {
            try scanner.skipValue()
            try scanner.expectEnd()
            throw RapportError(.invalidMessage, "request body must be a JSON object with a `batch` array")
        }
        var scanned: [ScannedMessage]?
        var batch = BatchInfo()
        var writeKey: String?
        var envelopeError: RapportError?
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readRawKey()
                switch MessageField(key, in: &scanner) {
                case .batch:
                    guard scanner.peek() == UInt8(ascii: "[") else {
                        try scanner.skipValue()
                        envelopeError = envelopeError ?? RapportError(.invalidMessage, "`batch` must be an array")
                        continue
                    }
                    var found: [ScannedMessage] = []
                    // Room for messages of ~500 bytes; the array grows if they are smaller.
                    found.reserveCapacity(min(limits.maxBatchMessages, max(16, buffer.count / 512)))
                    if try scanner.beginArray() {
                        repeat {
                            if found.count == limits.maxBatchMessages {
                                throw RapportError(
                                    .batchTooLarge, "batch has more than \(limits.maxBatchMessages) messages")
                            }
                            found.append(ScannedMessage())
                            // trap-ok: the element just appended
                            try Self.scanMessage(&scanner, into: &found[found.count - 1])
                        } while try scanner.nextElement()
                    }
                    scanned = found
                case .sentAt:
                    var error: RapportError?
                    batch.sentAt = try Self.readTimestamp(&scanner, field: "sentAt", error: &error)
                    if let error { envelopeError = envelopeError ?? error }
                case .context:
                    var error: RapportError?
                    var traits: JSONValue?
                    scanner.skipWhitespace()
                    let start = scanner.position
                    batch.context = try Self.readContext(&scanner, error: &error, traits: &traits) ?? [:]
                    batch.contextBytes = Array(UnsafeBufferPointer(rebasing: buffer[start..<scanner.position]))
                    if let error { envelopeError = envelopeError ?? error }
                case .writeKey:
                    writeKey = try Self.readText(&scanner)
                default:
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        try scanner.expectEnd()
        if let envelopeError { throw envelopeError }
        guard var pending = scanned.take() else {
            throw RapportError(.invalidMessage, "request body has no `batch` array")
        }
        var result = DecodedRequest(writeKey: writeKey)
        result.accepted.reserveCapacity(pending.count)
        // `finish` moves each message's fields out of `pending` in place.
        for index in pending.indices {
            do throws(MessageFailure) {
                var (message, _) = try finish(
                    &pending[index], in: buffer, request: request, expectedType: nil, batch: batch,
                    receivedAt: receivedAt)
                if let batchContext = batch.contextBytes { Self.embedBatchContext(batchContext, in: &message) }
                result.accepted.append(message)
            } catch {
                result.rejected.append(Rejection(index: index, messageId: error.messageId, error: error.error))
            }
        }
        return result
    }
}

/// What a batch passes on to its messages.
struct BatchInfo {
    var context: [String: JSONValue] = [:]
    /// The batch-level `context` as it arrived, if the batch had one.
    var contextBytes: [UInt8]?
    var sentAt: Int64?
}

extension MessageDecoder {
    /// Writes a batch-level `context` into a message's body (the message's own
    /// members win, key by key), so that the log holds everything the message
    /// meant and a replay of the log sees what the live projection saw.
    /// `propertiesRange` is moved to the new body. Runs only for batches that
    /// carry a context; a body that cannot be rebuilt is left as it was.
    static func embedBatchContext(_ batchContext: [UInt8], in message: inout Message) {
        guard case .object(let outer)? = try? JSONValue.parse(batchContext), !outer.isEmpty,
            case .object(var members)? = try? JSONValue.parse(message.body)
        else { return }
        var context = outer
        for (k, v) in members["context"]?.objectValue ?? [:] { context[k] = v }
        members["context"] = .object(context)
        var body: [UInt8] = [UInt8(ascii: "{")]
        body.reserveCapacity(message.body.count + batchContext.count)
        var propertiesRange: Range<Int>?
        for (i, key) in members.keys.sorted().enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            JSONValue.writeString(key, to: &body)
            body.append(UInt8(ascii: ":"))
            let start = body.count
            members[key, default: .null].write(to: &body)
            if key == "properties" && message.propertiesRange != nil { propertiesRange = start..<body.count }
        }
        body.append(UInt8(ascii: "}"))
        message.body = body
        message.propertiesRange = propertiesRange
    }
}

/// A message's error, with its id if it had one.
struct MessageFailure: Error {
    var error: RapportError
    var messageId: String?
}
