import RapportCore

extension MessageDecoder {
    /// The `context` members the decoder decodes into ``Message/context``:
    /// the ones Rapport acts on (identity resolution reads `device` and
    /// `externalIds`; `traits` feeds ``Message/traits``; the attribution
    /// members are kept for the engine).
    ///
    /// Every other member (`library`, `userAgent`, `ip`, `locale`, `page`,
    /// `screen`, `os`, `app`, `network`, `timezone`, …) is validated and
    /// skipped: it stays in ``Message/body`` only. Of `device`, only `id` is
    /// decoded. Decoding the whole context costs more than the rest of a
    /// typical message together, so add a member here only when something
    /// reads it.
    public static let decodedContextMembers: [String] = [
        "device", "externalIds", "traits", "campaign", "channel", "referrer", "source",
    ]

    /// The index of `device` in ``decodedContextMembers``: of it only `id` is decoded.
    static let contextDeviceIndex: Int? = decodedContextMembers.firstIndex(of: "device")

    /// ``decodedContextMembers`` as UTF-8, in the same order.
    static let decodedContextMemberBytes: [[UInt8]] = decodedContextMembers.map { Array($0.utf8) }

    /// The index of `traits` in ``decodedContextMembers``.
    static let contextTraitsIndex: Int? = decodedContextMembers.firstIndex(of: "traits")

    /// Reads a `context` object, decoding only ``decodedContextMembers`` and
    /// validating the rest; `nil` for `null`; `nil` and `error` (if not set
    /// yet) for another JSON type. `traits` is set to the object's `traits`
    /// member, if it has one.
    static func readContext(
        _ scanner: inout JSONScanner, error: inout RapportError?, traits: inout JSONValue?
    ) throws(RapportError) -> [String: JSONValue]? {
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            var members: [String: JSONValue] = [:]
            guard try scanner.beginObject() else { return members }
            let names = decodedContextMembers
            let keys = decodedContextMemberBytes
            let traitsIndex = contextTraitsIndex
            repeat {
                let key = try scanner.readRawKey()
                if let index = memberIndex(key, in: keys, scanner: &scanner), index < names.count {
                    let value = index == contextDeviceIndex ? try readDevice(&scanner) : try scanner.parseValue()
                    // Room for three members in one allocation (contexts rarely have more selected ones).
                    if members.isEmpty { members = Dictionary(minimumCapacity: 3) }
                    if index == traitsIndex { traits = value }
                    members[names[index]] = value
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
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

    static let deviceIdKey: [[UInt8]] = [Array("id".utf8)]

    /// A `context.device`: of an object only its `id` (the identifier; model,
    /// manufacturer and the rest stay in the body), anything else as it is.
    static func readDevice(_ scanner: inout JSONScanner) throws(RapportError) -> JSONValue {
        guard scanner.peek() == UInt8(ascii: "{") else { return try scanner.parseValue() }
        var device: [String: JSONValue] = [:]
        guard try scanner.beginObject() else { return .object(device) }
        repeat {
            let key = try scanner.readRawKey()
            if memberIndex(key, in: deviceIdKey, scanner: &scanner) != nil {
                device["id"] = try scanner.parseValue()
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
        return .object(device)
    }

    /// `context` without the members the decoder does not decode.
    static func selectedContext(_ context: [String: JSONValue]) -> [String: JSONValue] {
        var selected = context.filter { decodedContextMembers.contains($0.key) }
        if case .object(let device)? = selected["device"] {
            selected["device"] = .object(device.filter { $0.key == "id" })
        }
        return selected
    }

    /// The index in `keys` of the key's (unescaped) bytes, if it is there.
    @inline(__always)
    static func memberIndex(
        _ key: JSONScanner.RawString, in keys: [[UInt8]], scanner: inout JSONScanner
    ) -> Int? {
        if key.hasEscapes {
            var decoded: [UInt8] = []
            scanner.appendUnescaped(key, to: &decoded)
            return decoded.withUnsafeBufferPointer { index(of: $0, range: 0..<$0.count, in: keys) }
        }
        return index(of: scanner.bytes, range: key.range, in: keys)
    }

    /// The index in `keys` of the bytes at `range` (lengths compared first).
    @inline(__always)
    static func index(of bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, in keys: [[UInt8]]) -> Int? {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return nil }
        let n = range.count
        for (index, key) in keys.enumerated() where key.count == n {
            var i = 0
            while i < n, bytes[range.lowerBound + i] == key[i] { i += 1 }  // trap-ok: i < n == key.count, range checked
            if i == n { return index }
        }
        return nil
    }
}
