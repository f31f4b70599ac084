import RapportCore

extension MessageDecoder {
    /// The `context` members decoded into ``Message/context``
    /// (``Message/decodedContextMembers``); the others are validated and
    /// stay in the body only.
    public static var decodedContextMembers: [String] { Message.decodedContextMembers }

    static let contextTraitsKey: [[UInt8]] = [Array("traits".utf8)]

    /// Reads a `context` object, decoding only ``decodedContextMembers`` and
    /// validating the rest; `nil` for `null`; `nil` and `error` (if not set
    /// yet) for another JSON type. `traits` is set to the object's `traits`
    /// member, if it has one.
    static func readContext(
        _ scanner: inout JSONScanner, error: inout RapportError?, traits: inout JSONValue?
    ) throws(RapportError) -> [String: JSONValue]? {
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            let (members, contextTraits) = try Message.readSelectedContext(&scanner)
            if let contextTraits { traits = contextTraits }
            return members
        case UInt8(ascii: "n"):
            _ = try scanner.consumeNull()
            return nil
        default:
            try scanner.skipValue()
            error = error ?? RapportError(.invalidMessage, "`context` must be an object")
            return nil
        }
    }

    /// Validates a message's `context` without decoding it (the message
    /// decodes it from its body when read: ``Message/setContext(decodingFromBodyAt:)``),
    /// except for its `traits` member, which feeds ``Message/traits``.
    /// Returns where the object lies; `nil` for `null`; `nil` and `error`
    /// (if not set yet) for another JSON type.
    static func scanContext(
        _ scanner: inout JSONScanner, error: inout RapportError?, traits: inout JSONValue?
    ) throws(RapportError) -> Range<Int>? {
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            let start = scanner.position
            if try scanner.beginObject() {
                let traitsKey = contextTraitsKey
                repeat {
                    let key = try scanner.readRawKey()
                    if scanner.index(ofKey: key, in: traitsKey) != nil {
                        traits = try scanner.parseValue()
                    } else {
                        try scanner.skipValue()
                    }
                } while try scanner.nextMember()
            }
            return start..<scanner.position
        case UInt8(ascii: "n"):
            _ = try scanner.consumeNull()
            return nil
        default:
            try scanner.skipValue()
            error = error ?? RapportError(.invalidMessage, "`context` must be an object")
            return nil
        }
    }

    /// `context` without the members the decoder does not decode.
    static func selectedContext(_ context: [String: JSONValue]) -> [String: JSONValue] {
        var selected = context.filter { decodedContextMembers.contains($0.key) }
        if case .object(let device)? = selected["device"] {
            selected["device"] = .object(device.filter { $0.key == "id" })
        }
        return selected
    }
}
