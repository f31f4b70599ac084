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
    var context: [String: JSONValue]?
    /// Offsets in the request body.
    var propertiesRange: Range<Int>?
    var timestamp: Int64?
    var originalTimestamp: Int64?
    var sentAt: Int64?
    var writeKey: String?
    /// The first malformed field (bad time, non-object context…).
    var fieldError: RapportError?
}

/// A batch element or request body scanned as a message, not yet checked.
struct ScannedMessage {
    /// Where the value lies in the request body.
    var range: Range<Int>
    /// The object's fields; `nil` if the value is not an object.
    var fields: MessageFields?
}

extension MessageDecoder {
    /// Scans the value at the scanner's position: an object's fields are
    /// read, anything else is validated and skipped. JSON syntax errors throw.
    static func scanMessage(_ scanner: inout JSONScanner) throws(RapportError) -> ScannedMessage {
        guard scanner.peek() == UInt8(ascii: "{") else {
            let range = try scanner.skipValue()
            return ScannedMessage(range: range, fields: nil)
        }
        let start = scanner.position
        let fields = try scanFields(&scanner)
        return ScannedMessage(range: start..<scanner.position, fields: fields)
    }

    /// Checks a scanned message and builds it.
    func finish(
        _ scanned: ScannedMessage, in buffer: UnsafeBufferPointer<UInt8>, expectedType: MessageType?,
        batch: BatchInfo, receivedAt: Int64
    ) throws(MessageFailure) -> (message: Message, writeKey: String?) {
        let range = scanned.range
        guard let f = scanned.fields, range.lowerBound >= 0, range.upperBound <= buffer.count else {
            throw MessageFailure(error: RapportError(.invalidMessage, "message must be a JSON object"))
        }
        func failure(_ code: RapportError.Code, _ text: String) -> MessageFailure {
            MessageFailure(error: RapportError(code, text), messageId: f.messageId)
        }
        if range.count > limits.maxMessageBytes {
            throw failure(
                .messageTooLarge, "message is \(range.count) bytes; the limit is \(limits.maxMessageBytes)")
        }
        if let typeError = f.typeError { throw MessageFailure(error: typeError, messageId: f.messageId) }
        var type = f.type
        if let expectedType {
            if let type, type != expectedType {
                throw failure(
                    .invalidType, "message type '\(type.rawValue)' does not match the \(expectedType.rawValue) endpoint")
            }
            type = expectedType
        }
        guard let type else { throw failure(.invalidType, "message has no `type`") }
        if let fieldError = f.fieldError { throw MessageFailure(error: fieldError, messageId: f.messageId) }
        guard f.userId != nil || f.anonymousId != nil else {
            throw failure(.missingIdentity, "message needs a `userId` or an `anonymousId`")
        }
        var event: String?
        switch type {
        case .track:
            guard let e = f.event else { throw failure(.missingEvent, "track message needs a non-empty string `event`") }
            event = e
        case .alias:
            guard f.previousId != nil else { throw failure(.missingPreviousId, "alias message needs a `previousId`") }
        case .group:
            guard f.groupId != nil else { throw failure(.missingGroupId, "group message needs a `groupId`") }
        case .page, .screen:
            event = f.name
        case .identify:
            break
        }

        var context = batch.context
        if let own = f.context {
            if context.isEmpty {
                context = own
            } else {
                for (key, value) in own { context[key] = value }
            }
        }
        let traits: [String: JSONValue]
        switch type {
        case .identify:
            // RudderStack's SDKs send identify traits in context.traits only; the top level wins per key.
            traits = (context["traits"]?.objectValue ?? [:]).merging(f.traits ?? [:]) { _, top in top }
        case .group: traits = f.traits ?? [:]
        default: traits = context["traits"]?.objectValue ?? [:]
        }

        let body = UnsafeBufferPointer(rebasing: buffer[range])
        let messageId = f.messageId ?? "auto-" + MessageHash.fnv1a128Hex(body)
        let propertiesRange = f.propertiesRange.map {
            ($0.lowerBound - range.lowerBound)..<($0.upperBound - range.lowerBound)
        }
        let timestamp = Self.correctedTimestamp(
            receivedAt: receivedAt, sentAt: f.sentAt ?? batch.sentAt,
            originalTimestamp: f.originalTimestamp, timestamp: f.timestamp)

        let message = Message(
            type: type, messageId: messageId, userId: f.userId, anonymousId: f.anonymousId,
            previousId: f.previousId, groupId: f.groupId, event: event, traits: traits, context: context,
            propertiesRange: propertiesRange, timestamp: timestamp,
            clientTimestamp: f.originalTimestamp ?? f.timestamp, receivedAt: receivedAt, body: Array(body))
        return (message, f.writeKey)
    }

    /// Reads the members of the object at the scanner's position.
    static func scanFields(_ scanner: inout JSONScanner) throws(RapportError) -> MessageFields {
        var f = MessageFields()
        guard try scanner.beginObject() else { return f }
        repeat {
            let key = try scanner.readRawKey()
            switch MessageField(key, in: &scanner) {
            case .type:
                if try scanner.consumeNull() {
                    f.type = nil
                    f.typeError = nil
                } else if scanner.peek() == UInt8(ascii: "\"") {
                    let text = try scanner.parseString()
                    if let type = MessageType(rawValue: text) {
                        f.type = type
                        f.typeError = nil
                    } else {
                        f.type = nil
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
            case .event: f.event = try readText(&scanner).flatMap(trimmed)
            case .name: f.name = try readText(&scanner).flatMap(trimmed)
            case .writeKey: f.writeKey = try readText(&scanner)
            case .traits: f.traits = try readObject(&scanner, field: "traits", error: &f.fieldError)
            case .context: f.context = try readObject(&scanner, field: "context", error: &f.fieldError)
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
        return f
    }

    // MARK: - Field readers

    /// A string or number as an identifier, trimmed; `nil` if empty or of
    /// another JSON type.
    static func readIdentifier(_ scanner: inout JSONScanner) throws(RapportError) -> String? {
        switch scanner.peek() {
        case UInt8(ascii: "\""):
            return trimmed(try scanner.parseString())
        case UInt8(ascii: "-"), (UInt8(ascii: "0")...UInt8(ascii: "9"))?:
            return JSONValue.number(try scanner.parseNumber()).identifierString
        default:
            try scanner.skipValue()
            return nil
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
