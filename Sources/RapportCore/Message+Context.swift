extension Message {
    /// The `context` members decoded into ``context``: the ones Rapport acts
    /// on (identity resolution reads `device` and `externalIds`; `traits`
    /// feeds ``traits``; the attribution members are kept for the engine).
    ///
    /// Every other member (`library`, `userAgent`, `ip`, `locale`, `page`,
    /// `screen`, `os`, `app`, `network`, `timezone`, …) stays in ``body``
    /// only. Of `device`, only `id` is decoded. Decoding the whole context
    /// costs more than the rest of a typical message together, so add a
    /// member here only when something reads it.
    public static let decodedContextMembers: [String] = [
        "device", "externalIds", "traits", "campaign", "channel", "referrer", "source",
    ]

    /// ``decodedContextMembers`` as UTF-8, in the same order.
    static let decodedContextMemberBytes: [[UInt8]] = decodedContextMembers.map { Array($0.utf8) }

    /// The index of `device` in ``decodedContextMembers``: of it only `id` is decoded.
    static let contextDeviceIndex: Int? = decodedContextMembers.firstIndex(of: "device")

    /// The index of `traits` in ``decodedContextMembers``: it is also returned on its own.
    static let contextTraitsIndex: Int? = decodedContextMembers.firstIndex(of: "traits")

    static let deviceIdKey: [[UInt8]] = [Array("id".utf8)]

    /// Reads the `context` object at the scanner's position (the caller has
    /// seen its `{`), decoding only ``decodedContextMembers`` and validating
    /// the rest. Returns the members, and the `traits` member if there is one.
    public static func readSelectedContext(
        _ scanner: inout JSONScanner
    ) throws(RapportError) -> (members: [String: JSONValue], traits: JSONValue?) {
        var members: [String: JSONValue] = [:]
        var traits: JSONValue?
        guard try scanner.beginObject() else { return (members, nil) }
        let names = decodedContextMembers
        let keys = decodedContextMemberBytes
        repeat {
            let key = try scanner.readRawKey()
            if let index = scanner.index(ofKey: key, in: keys), index < names.count {
                let value = index == contextDeviceIndex ? try readDevice(&scanner) : try scanner.parseValue()
                // Room for three members in one allocation (contexts rarely have more selected ones).
                if members.isEmpty { members = Dictionary(minimumCapacity: 3) }
                if index == contextTraitsIndex { traits = value }
                members[names[index]] = value  // trap-ok: index < names.count
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
        return (members, traits)
    }

    /// A `context.device`: of an object only its `id` (the identifier; model,
    /// manufacturer and the rest stay in the body), anything else as it is.
    static func readDevice(_ scanner: inout JSONScanner) throws(RapportError) -> JSONValue {
        guard scanner.peek() == UInt8(ascii: "{") else { return try scanner.parseValue() }
        var device: [String: JSONValue] = [:]
        guard try scanner.beginObject() else { return .object(device) }
        repeat {
            let key = try scanner.readRawKey()
            if scanner.index(ofKey: key, in: deviceIdKey) != nil {
                device["id"] = try scanner.parseValue()
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
        return .object(device)
    }

    /// `context.device` (of an object, its `id` only) and
    /// `context.externalIds`, as ``context`` has them.
    ///
    /// A decoded message reads them from where its ``identitySpan`` says they
    /// lie, without decoding the rest of the context.
    public var identityMembers: (device: JSONValue?, externalIds: JSONValue?) {
        guard storage.fields.contextRange != nil, let span = storage.fields.identitySpan else {
            let context = self.context
            return (context["device"], context["externalIds"])
        }
        return withBody { body in
            (Self.decodeMember(span.device, in: body, device: true),
             Self.decodeMember(span.externalIds, in: body, device: false))
        }
    }

    /// The JSON value at `range` of `body` (of a `device`, its `id` only);
    /// `nil` if there is none or the bytes are not one value.
    static func decodeMember(_ range: Range<Int>?, in body: UnsafeBufferPointer<UInt8>, device: Bool) -> JSONValue? {
        guard let range, range.lowerBound >= 0, range.upperBound <= body.count else { return nil }
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: body[range]))
        do {
            let value = device ? try readDevice(&scanner) : try scanner.parseValue()
            try scanner.expectEnd()
            return value
        } catch {
            return nil
        }
    }

    /// The selected members of the context object at `range` in the body;
    /// empty if the range or its bytes are not one (the decoder validated
    /// them, so only a range set by hand can be wrong).
    @usableFromInline func decodeContext(at range: Range<Int>) -> [String: JSONValue] {
        withBody { body -> [String: JSONValue] in
            guard range.lowerBound >= 0, range.upperBound <= body.count else { return [:] }
            var scanner = JSONScanner(UnsafeBufferPointer(rebasing: body[range]))
            guard scanner.peek() == UInt8(ascii: "{") else { return [:] }
            do {
                let context = try Self.readSelectedContext(&scanner).members
                try scanner.expectEnd()
                return context
            } catch {
                return [:]
            }
        }
    }
}

extension JSONScanner {
    /// The index in `keys` of the key's (unescaped) bytes, if it is there.
    @inlinable @inline(__always)
    public func index(ofKey key: RawString, in keys: [[UInt8]]) -> Int? {
        if key.hasEscapes {
            var decoded: [UInt8] = []
            appendUnescaped(key, to: &decoded)
            return decoded.withUnsafeBufferPointer { Self.index(of: $0, range: 0..<$0.count, in: keys) }
        }
        return Self.index(of: bytes, range: key.range, in: keys)
    }

    /// The index in `keys` of the bytes at `range` (lengths compared first).
    @inlinable @inline(__always)
    public static func index(of bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, in keys: [[UInt8]]) -> Int? {
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
