import RapportCore

extension MessageDecoder {
    /// The `context` members decoded into ``Message/context``
    /// (``Message/decodedContextMembers``); the others are validated and
    /// stay in the body only.
    public static var decodedContextMembers: [String] { Message.decodedContextMembers }

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
    /// Records in `f` where the object and its identity members (`device`,
    /// `externalIds`, `traits`) lie; for `null`, nothing; for another JSON
    /// type, nothing and `f.fieldError` (if not set yet).
    static func scanContext(_ scanner: inout JSONScanner, into f: inout MessageFields) throws(RapportError) {
        f.contextRange = nil
        f.contextTraits = nil
        f.contextTraitsRange = nil
        f.deviceRange = nil
        f.externalIdsRange = nil
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            let start = scanner.position
            if try scanner.beginObject() {
                let keys = identityContextKeys
                repeat {
                    let key = try scanner.readRawKey()
                    switch scanner.index(ofKey: key, in: keys) {
                    case 0:
                        scanner.skipWhitespace()
                        let valueStart = scanner.position
                        f.contextTraits = try scanner.parseValue()
                        f.contextTraitsRange = valueStart..<scanner.position
                    case 1: f.deviceRange = try scanner.skipValue()
                    case 2: f.externalIdsRange = try scanner.skipValue()
                    default: try scanner.skipValue()
                    }
                } while try scanner.nextMember()
            }
            f.contextRange = start..<scanner.position
        case UInt8(ascii: "n"):
            _ = try scanner.consumeNull()
        default:
            try scanner.skipValue()
            f.fieldError = f.fieldError ?? RapportError(.invalidMessage, "`context` must be an object")
        }
    }

    /// The `context` members ``scanContext(_:into:)`` records, in the order it switches on.
    static let identityContextKeys: [[UInt8]] = ["traits", "device", "externalIds"].map { Array($0.utf8) }

    /// `context` without the members the decoder does not decode.
    static func selectedContext(_ context: [String: JSONValue]) -> [String: JSONValue] {
        var selected = context.filter { decodedContextMembers.contains($0.key) }
        if case .object(let device)? = selected["device"] {
            selected["device"] = .object(device.filter { $0.key == "id" })
        }
        return selected
    }
}
