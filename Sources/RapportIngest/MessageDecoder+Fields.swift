import RapportCore

/// What one pass over a message object found.
struct MessageFields {
    var type: MessageType?
    var typeError: RapportError?
    var messageId: String?
    var userId: String?
    var anonymousId: String?
    var previousId: String?
    var groupId: String?
    var event: String?
    var name: String?
    var traits: [String: JSONValue]?
    /// `context.traits`, if `context` has it.
    var contextTraits: JSONValue?
    /// Offsets in the request body.
    var propertiesRange: Range<Int>?
    /// Where the last `context` object (`nil` if the last `context` was
    /// none), its `traits`, `device` and `externalIds` values, and the
    /// top-level `traits` value lie in the request body.
    var contextRange: Range<Int>?
    var contextTraitsRange: Range<Int>?
    var deviceRange: Range<Int>?
    var externalIdsRange: Range<Int>?
    var traitsRange: Range<Int>?
    var timestamp: Int64?
    var originalTimestamp: Int64?
    var sentAt: Int64?
    var writeKey: String?
    /// The first malformed field (bad time, non-object context…).
    var fieldError: RapportError?
}

/// A batch element or request body scanned as a message, not yet checked.
///
/// Scanned and finished in place (``MessageFields`` is a few hundred bytes;
/// copying it per message shows in profiles).
struct ScannedMessage {
    /// Where the value lies in the request body.
    var range: Range<Int> = 0..<0
    /// Whether the value is an object; only then does `fields` hold anything.
    var isObject = false
    /// The object's fields.
    var fields = MessageFields()
}

extension MessageDecoder {
    /// Scans the value at the scanner's position into `scanned`: an object's
    /// fields are read, anything else is validated and skipped. JSON syntax
    /// errors throw.
    static func scanMessage(_ scanner: inout JSONScanner, into scanned: inout ScannedMessage) throws(RapportError) {
        guard scanner.peek() == UInt8(ascii: "{") else {
            scanned.range = try scanner.skipValue()
            scanned.isObject = false
            return
        }
        let start = scanner.position
        try scanFields(&scanner, into: &scanned.fields)
        scanned.range = start..<scanner.position
        scanned.isObject = true
    }

    /// Checks a scanned message and builds it. The fields are moved out of
    /// `scanned` (not copied), which is left without them.
    func finish(
        _ scanned: inout ScannedMessage, in buffer: UnsafeBufferPointer<UInt8>, request: [UInt8],
        expectedType: MessageType?, batch: BatchInfo, receivedAt: Int64
    ) throws(MessageFailure) -> (message: Message, writeKey: String?) {
        let range = scanned.range
        guard scanned.isObject, range.lowerBound >= 0, range.upperBound <= buffer.count else {
            throw MessageFailure(error: RapportError(.invalidMessage, "message must be a JSON object"))
        }
        return try finish(
            &scanned.fields, range: range, in: buffer, request: request, expectedType: expectedType, batch: batch,
            receivedAt: receivedAt)
    }

    /// ``finish(_:in:expectedType:batch:receivedAt:)`` for an object's fields,
    /// moved out of `f`.
    private func finish(
        _ f: inout MessageFields, range: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>, request: [UInt8],
        expectedType: MessageType?, batch: BatchInfo, receivedAt: Int64
    ) throws(MessageFailure) -> (message: Message, writeKey: String?) {
        let messageId = f.messageId
        func failure(_ code: RapportError.Code, _ text: String) -> MessageFailure {
            MessageFailure(error: RapportError(code, text), messageId: messageId)
        }
        if range.count > limits.maxMessageBytes {
            throw failure(
                .messageTooLarge, "message is \(range.count) bytes; the limit is \(limits.maxMessageBytes)")
        }
        if let typeError = f.typeError { throw MessageFailure(error: typeError, messageId: messageId) }
        var type = f.type
        if let expectedType {
            if let type, type != expectedType {
                throw failure(
                    .invalidType, "message type '\(type.rawValue)' does not match the \(expectedType.rawValue) endpoint")
            }
            type = expectedType
        }
        guard let type else { throw failure(.invalidType, "message has no `type`") }
        if let fieldError = f.fieldError { throw MessageFailure(error: fieldError, messageId: messageId) }
        guard f.userId != nil || f.anonymousId != nil else {
            throw failure(.missingIdentity, "message needs a `userId` or an `anonymousId`")
        }
        // A NUL character is no text a person wrote, and PostgreSQL's text cannot hold it.
        if let m = messageId, m.utf8.contains(0) {
            throw failure(.invalidMessage, "`messageId` contains a NUL character (\\u0000)")
        }
        var event: String?
        switch type {
        case .track:
            guard let e = f.event.take() else {
                throw failure(.missingEvent, "track message needs a non-empty string `event`")
            }
            if e.utf8.contains(0) { throw failure(.invalidMessage, "`event` contains a NUL character (\\u0000)") }
            event = e
        case .alias:
            guard f.previousId != nil else { throw failure(.missingPreviousId, "alias message needs a `previousId`") }
        case .group:
            guard f.groupId != nil else { throw failure(.missingGroupId, "group message needs a `groupId`") }
        case .page, .screen:
            event = f.name.take()
            if event?.utf8.contains(0) == true {
                throw failure(.invalidMessage, "`name` contains a NUL character (\\u0000)")
            }
        case .identify:
            break
        }

        func inBody(_ r: Range<Int>) -> Range<Int> {
            (r.lowerBound - range.lowerBound)..<(r.upperBound - range.lowerBound)
        }
        // Without a batch context, the message decodes its own from its body when asked
        // (most messages are never asked); with one, the message's members lie over the batch's.
        var context = batch.context
        var ownContext: Range<Int>?
        if let own = f.contextRange, own.lowerBound >= range.lowerBound, own.upperBound <= range.upperBound {
            if batch.context.isEmpty {
                ownContext = inBody(own)
            } else {
                var scanner = JSONScanner(UnsafeBufferPointer(rebasing: buffer[own]))
                do {
                    for (key, value) in try Message.readSelectedContext(&scanner).members { context[key] = value }
                } catch {
                    throw MessageFailure(error: error, messageId: messageId)
                }
            }
        }
        // Without a batch context, the message's own context.traits (no lookup).
        let contextTraits = batch.context.isEmpty
            ? f.contextTraits.take()?.objectValue : context["traits"]?.objectValue
        let traits: [String: JSONValue]
        switch type {
        case .identify:
            // RudderStack's SDKs send identify traits in context.traits only; the top level wins per key.
            if let contextTraits, !contextTraits.isEmpty {
                traits = contextTraits.merging(f.traits.take() ?? [:]) { _, top in top }
            } else {
                traits = f.traits.take() ?? [:]
            }
        case .group: traits = f.traits.take() ?? [:]
        default: traits = contextTraits ?? [:]
        }

        let body = UnsafeBufferPointer(rebasing: buffer[range])
        let id = f.messageId.take() ?? "auto-" + MessageHash.fnv1a128Hex(body)
        let propertiesRange = f.propertiesRange.map(inBody)
        let timestamp = Self.correctedTimestamp(
            receivedAt: receivedAt, sentAt: f.sentAt ?? batch.sentAt,
            originalTimestamp: f.originalTimestamp, timestamp: f.timestamp)

        // Without a batch context, identity comes from the message's own bytes alone: say where
        // they are. Only the traits that feed `traits` for this type: a track's top-level traits
        // are not its identity.
        let identitySpan = batch.context.isEmpty
            ? Message.IdentitySpan(
                device: f.deviceRange.map(inBody), externalIds: f.externalIdsRange.map(inBody),
                traits: type == .identify || type == .group ? f.traitsRange.map(inBody) : nil,
                contextTraits: type == .group ? nil : f.contextTraitsRange.map(inBody))
            : nil
        // The body shares the request's bytes (one retain) instead of a copy of its own.
        let message = Message(
            decodedType: type, messageId: id, userId: f.userId.take(), anonymousId: f.anonymousId.take(),
            previousId: f.previousId.take(), groupId: f.groupId.take(), event: event, traits: traits,
            context: context, contextRange: ownContext, propertiesRange: propertiesRange, timestamp: timestamp,
            clientTimestamp: f.originalTimestamp ?? f.timestamp, receivedAt: receivedAt, bytes: request,
            bodyRange: range, identitySpan: identitySpan)
        return (message, f.writeKey.take())
    }

    /// Reads the members of the object at the scanner's position into `f`
    /// (which is empty).
    static func scanFields(_ scanner: inout JSONScanner, into f: inout MessageFields) throws(RapportError) {
        guard try scanner.beginObject() else { return }
        repeat {
            let key = try scanner.readRawKey()
            switch MessageField(key, in: &scanner) {
            case .type:
                if try scanner.consumeNull() {
                    f.type = nil
                    f.typeError = nil
                } else if scanner.peek() == UInt8(ascii: "\"") {
                    let raw = try scanner.readRawString()
                    if let type = messageType(raw, in: &scanner) {
                        f.type = type
                        f.typeError = nil
                    } else {
                        f.type = nil
                        let text = scanner.string(raw)
                        f.typeError = RapportError(.invalidType, "unknown message type '\(excerpt(text))'")
                    }
                } else {
                    try scanner.skipValue()
                    f.type = nil
                    f.typeError = RapportError(.invalidType, "`type` must be a string")
                }
            case .messageId: f.messageId = try readIdentifier(&scanner)
            case .userId: f.userId = try readIdentifier(&scanner)
            case .anonymousId: f.anonymousId = try readIdentifier(&scanner)
            case .previousId: f.previousId = try readIdentifier(&scanner)
            case .groupId: f.groupId = try readIdentifier(&scanner)
            case .event: f.event = try readTrimmedText(&scanner)
            case .name: f.name = try readTrimmedText(&scanner)
            case .writeKey: f.writeKey = try readText(&scanner)
            case .traits:
                let start = scanner.position
                f.traits = try readObject(&scanner, field: "traits", error: &f.fieldError)
                f.traitsRange = start..<scanner.position
            case .context:
                try scanContext(&scanner, into: &f)
            case .properties:
                switch scanner.peek() {
                case UInt8(ascii: "{"):
                    f.propertiesRange = try scanner.skipValue()
                case UInt8(ascii: "n"):
                    _ = try scanner.consumeNull()
                    f.propertiesRange = nil
                default:
                    try scanner.skipValue()
                    f.fieldError = f.fieldError ?? RapportError(.invalidMessage, "`properties` must be an object")
                }
            case .timestamp:
                f.timestamp = try readTimestamp(&scanner, field: "timestamp", error: &f.fieldError)
            case .originalTimestamp:
                f.originalTimestamp = try readTimestamp(&scanner, field: "originalTimestamp", error: &f.fieldError)
            case .sentAt:
                f.sentAt = try readTimestamp(&scanner, field: "sentAt", error: &f.fieldError)
            case .batch, .other:
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
    }

    // MARK: - Field readers

    /// A string or number as an identifier, trimmed; `nil` if empty or of
    /// another JSON type.
    static func readIdentifier(_ scanner: inout JSONScanner) throws(RapportError) -> String? {
        switch scanner.peek() {
        case UInt8(ascii: "\""):
            return trimmedText(try scanner.readRawString(), in: &scanner)
        case UInt8(ascii: "-"), (UInt8(ascii: "0")...UInt8(ascii: "9"))?:
            let number = try scanner.parseNumberAndInteger()
            if let integer = number.integer { return String(integer) }
            return JSONValue.number(number.value).identifierString
        default:
            try scanner.skipValue()
            return nil
        }
    }

    /// A string, trimmed; `nil` if empty or of any other JSON type.
    static func readTrimmedText(_ scanner: inout JSONScanner) throws(RapportError) -> String? {
        guard scanner.peek() == UInt8(ascii: "\"") else {
            try scanner.skipValue()
            return nil
        }
        return trimmedText(try scanner.readRawString(), in: &scanner)
    }

    /// The text of a string token without surrounding ASCII whitespace; `nil`
    /// if nothing is left. Text without escapes or surrounding whitespace
    /// becomes a `String` straight from the buffer.
    @inline(__always)
    static func trimmedText(_ raw: JSONScanner.RawString, in scanner: inout JSONScanner) -> String? {
        let r = raw.range
        guard !r.isEmpty else { return nil }
        if !raw.hasEscapes, r.lowerBound >= 0, r.upperBound <= scanner.bytes.count {
            let bytes = scanner.bytes
            @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
            if !isSpace(bytes[r.lowerBound]), !isSpace(bytes[r.upperBound - 1]) {  // trap-ok: r non-empty, in bounds
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self)
            }
        }
        return trimmed(scanner.string(raw))
    }

    /// The message type a string token names exactly, matched on its bytes.
    @inline(__always)
    static func messageType(_ raw: JSONScanner.RawString, in scanner: inout JSONScanner) -> MessageType? {
        if raw.hasEscapes { return MessageType(rawValue: scanner.string(raw)) }
        let b = scanner.bytes
        let r = raw.range
        @inline(__always) func eq(_ s: StaticString) -> Bool { MessageField.equal(b, r, s) }
        switch r.count {
        case 4: return eq("page") ? .page : nil
        case 5: return eq("track") ? .track : eq("group") ? .group : eq("alias") ? .alias : nil
        case 6: return eq("screen") ? .screen : nil
        case 8: return eq("identify") ? .identify : nil
        default: return nil
        }
    }

    /// A string; `nil` for any other JSON type.
    static func readText(_ scanner: inout JSONScanner) throws(RapportError) -> String? {
        guard scanner.peek() == UInt8(ascii: "\"") else {
            try scanner.skipValue()
            return nil
        }
        return try scanner.parseString()
    }

    /// An object's members; `nil` for `null`; `nil` and `error` (if not set
    /// yet) for another JSON type.
    static func readObject(
        _ scanner: inout JSONScanner, field: String, error: inout RapportError?
    ) throws(RapportError) -> [String: JSONValue]? {
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            return try scanner.parseObject()
        case UInt8(ascii: "n"):
            _ = try scanner.consumeNull()
            return nil
        default:
            try scanner.skipValue()
            error = error ?? RapportError(.invalidMessage, "`\(field)` must be an object")
            return nil
        }
    }

    /// An ISO 8601 time in milliseconds; `nil` for `null`; `nil` and `error`
    /// (if not set yet) for anything else.
    static func readTimestamp(
        _ scanner: inout JSONScanner, field: String, error: inout RapportError?
    ) throws(RapportError) -> Int64? {
        switch scanner.peek() {
        case UInt8(ascii: "n"):
            _ = try scanner.consumeNull()
            return nil
        case UInt8(ascii: "\""):
            let raw = try scanner.readRawString()
            let millis: Int64?
            if raw.hasEscapes {
                millis = Timestamp.parseISO8601(scanner.string(raw))
            } else {
                millis = Timestamp.parseISO8601(UnsafeBufferPointer(rebasing: scanner.bytes[raw.range]))
            }
            if millis == nil {
                let text = scanner.string(raw)
                error = error ?? RapportError(
                    .invalidTimestamp, "`\(field)` is not an ISO 8601 time: '\(excerpt(text))'")
            }
            return millis
        default:
            try scanner.skipValue()
            error = error ?? RapportError(.invalidTimestamp, "`\(field)` must be an ISO 8601 string")
            return nil
        }
    }

    /// `text` without surrounding ASCII whitespace; `nil` if nothing is left.
    static func trimmed(_ text: String) -> String? {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return nil }
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        if !isSpace(first), !isSpace(last) { return text }
        let t = text.trimmingASCIIWhitespace()
        return t.isEmpty ? nil : t
    }

    /// At most 64 characters of `text`, for error messages.
    static func excerpt(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(64)) + "…"
    }
}
