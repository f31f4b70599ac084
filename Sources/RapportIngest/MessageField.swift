import RapportCore

/// The members of a message or batch object the decoder reads.
enum MessageField {
    case type, messageId, userId, anonymousId, previousId, groupId, event, name
    case traits, context, properties, timestamp, originalTimestamp, sentAt, writeKey, batch
    case other

    /// The field a key names, matched on its bytes.
    @inline(__always)
    init(_ key: JSONScanner.RawString, in scanner: inout JSONScanner) {
        if key.hasEscapes {
            // Rare: decode, then match the decoded bytes.
            var decoded: [UInt8] = []
            scanner.appendUnescaped(key, to: &decoded)
            self = decoded.withUnsafeBufferPointer { MessageField(bytes: $0, range: 0..<$0.count) }
        } else {
            self = MessageField(bytes: scanner.bytes, range: key.range)
        }
    }

    @inline(__always)
    init(bytes b: UnsafeBufferPointer<UInt8>, range r: Range<Int>) {
        guard let k = KeyWords(b, range: r) else {
            self = .other
            return
        }
        @inline(__always) func eq(_ s: StaticString) -> Bool { k == KeyWords(s) }
        switch k.count {
        case 4: self = eq("type") ? .type : eq("name") ? .name : .other
        case 5: self = eq("event") ? .event : eq("batch") ? .batch : .other
        case 6: self = eq("userId") ? .userId : eq("traits") ? .traits : eq("sentAt") ? .sentAt : .other
        case 7: self = eq("groupId") ? .groupId : eq("context") ? .context : .other
        case 8: self = eq("writeKey") ? .writeKey : .other
        case 9: self = eq("messageId") ? .messageId : eq("timestamp") ? .timestamp : .other
        case 10: self = eq("previousId") ? .previousId : eq("properties") ? .properties : .other
        case 11: self = eq("anonymousId") ? .anonymousId : .other
        case 17: self = eq("originalTimestamp") ? .originalTimestamp : .other
        default: self = .other
        }
    }

    /// Whether the bytes at `r` in `b` are `s`.
    @inline(__always)
    static func equal(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ s: StaticString) -> Bool {
        guard let k = KeyWords(b, range: r) else { return false }
        return k == KeyWords(s)
    }
}
