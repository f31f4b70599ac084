import RapportCore

/// Pulls a message's identifiers out of its fields, normalised, without
/// placeholders or duplicates, in priority order.
///
/// Sources:
/// - `userId` → `user_id`; `anonymousId` → `anonymous_id`
/// - `traits.email` → `email`; `traits.phone` and `traits.mobile` → `phone`
/// - `traits.wechat_unionid` / `traits.unionid` → `wechat_unionid`;
///   `traits.wechat_openid` / `traits.openid` → `wechat_openid`
/// - `context.device.id` → `device_id`
/// - `context.externalIds[]`: `{"id": …, "type": …}`; the kind comes from
///   ``IdentifierNormalizer/kind(forExternalType:)``. An item with an
///   `encoding` other than `none` (a hashed value, say `sha256`) gets the kind
///   `<type>_<encoding>` (`email_sha256`) and is kept as it is.
///
/// `Message.traits` already holds `context.traits` for messages other than
/// `identify` and `group`. String and integral number values are read;
/// `null` and missing fields are ignored; any other JSON value is reported as
/// invalid.
///
/// For `alias`, `previousId` is returned apart, in
/// ``ExtractedIdentifiers/aliasPreviousId``: it may be an old `user_id` or an
/// `anonymous_id`, which only the identity graph can tell (see
/// ``ResolutionPlanner``).
public struct IdentifierExtractor: Sendable {
    /// The normaliser applied to every value found.
    public var normalizer: IdentifierNormalizer
    /// The rules in use.
    public var rules: IdentityRules { normalizer.rules }

    /// Creates an extractor; by default with Rapport's default rules.
    public init(rules: IdentityRules = IdentityRules()) {
        normalizer = IdentifierNormalizer(rules: rules)
    }

    /// The message's identifiers.
    public func extract(from message: Message) -> ExtractedIdentifiers {
        var found: [Identifier] = []
        found.reserveCapacity(4)
        var dropped: [DroppedIdentifier] = []

        func add(_ kind: String, _ raw: String) {
            switch normalizer.normalize(kind: kind, value: raw) {
            case .accepted(let id): found.append(id)
            case .blocked: dropped.append(DroppedIdentifier(kind: kind, value: raw, reason: .blocked))
            case .invalid: dropped.append(DroppedIdentifier(kind: kind, value: raw, reason: .invalid))
            }
        }
        func add(_ kind: String, _ json: JSONValue?) {
            guard let json, !json.isNull else { return }
            guard let raw = json.identifierString else {
                dropped.append(DroppedIdentifier(kind: kind, value: json.jsonString, reason: .invalid))
                return
            }
            add(kind, raw)
        }

        if let userId = message.userId { add(Identifier.Kind.userId, userId) }
        if let anonymousId = message.anonymousId { add(Identifier.Kind.anonymousId, anonymousId) }

        let traits = message.traits
        if traits.count <= Self.traitSources.count {
            // Few traits: one pass of short-string comparisons beats hashing each source key.
            for (key, value) in traits {
                if let kind = Self.identifierKind(ofTrait: key) { add(kind, value) }
            }
        } else {
            for (key, kind) in Self.traitSources { add(kind, traits[key]) }
        }

        let (device, externalIdsValue) = message.identityMembers
        add(Identifier.Kind.deviceId, device?["id"])
        if let externalIds = externalIdsValue?.arrayValue {
            for item in externalIds {
                guard let typeText = item["type"]?.stringValue,
                      var kind = IdentifierNormalizer.kind(forExternalType: typeText)
                else {
                    dropped.append(DroppedIdentifier(
                        kind: "external_id", value: item["id"]?.identifierString ?? item.jsonString,
                        reason: .invalid))
                    continue
                }
                if let encoding = item["encoding"]?.stringValue,
                   let suffix = IdentifierNormalizer.kind(forExternalType: encoding), suffix != "none" {
                    kind += "_" + suffix
                    guard IdentifierNormalizer.isValidKindName(kind) else {
                        dropped.append(DroppedIdentifier(
                            kind: "external_id", value: item["id"]?.identifierString ?? item.jsonString,
                            reason: .invalid))
                        continue
                    }
                }
                guard let idValue = item["id"], !idValue.isNull else {
                    dropped.append(DroppedIdentifier(kind: kind, value: "", reason: .invalid))
                    continue
                }
                add(kind, idValue)
            }
        }

        var aliasPreviousId: String?
        if message.type == .alias, let previousId = message.previousId {
            // Normalised as a plain id: the same rules hold for user_id and anonymous_id.
            switch normalizer.normalize(kind: Identifier.Kind.userId, value: previousId) {
            case .accepted(let id): aliasPreviousId = id.value
            case .blocked:
                dropped.append(DroppedIdentifier(kind: DroppedIdentifier.previousIdKind, value: previousId, reason: .blocked))
            case .invalid:
                dropped.append(DroppedIdentifier(kind: DroppedIdentifier.previousIdKind, value: previousId, reason: .invalid))
            }
        }

        rules.kindTable.sortAndDeduplicate(&found)
        return ExtractedIdentifiers(identifiers: found, aliasPreviousId: aliasPreviousId, dropped: dropped)
    }

    /// Whether ``extract(from:)`` is certain to find the same identifiers in
    /// `a` as in `b`, told without extracting: both were decoded with an
    /// ``Message/identitySpan`` (so their `traits` and `context` come from
    /// their own bytes alone), neither is an `alias`, and their `userId`,
    /// `anonymousId` and the bytes of their `context.device`,
    /// `context.externalIds` and of the traits that feed their ``Message/traits`` are equal.
    ///
    /// Consecutive messages of one sender (an SDK batch, a session) usually
    /// are; `false` only means "not known", never "different".
    public static func extractsTheSame(_ a: Message, _ b: Message) -> Bool {
        guard let spanA = a.identitySpan, let spanB = b.identitySpan,
              a.type != .alias, b.type != .alias,
              a.anonymousId == b.anonymousId, a.userId == b.userId
        else { return false }
        return a.bodyBytes(spanA.device, equal: spanB.device, in: b)
            && a.bodyBytes(spanA.externalIds, equal: spanB.externalIds, in: b)
            && a.bodyBytes(spanA.traits, equal: spanB.traits, in: b)
            && a.bodyBytes(spanA.contextTraits, equal: spanB.contextTraits, in: b)
    }

    /// Writes into `key` the bytes that decide what ``extract(from:)`` finds
    /// in `m`: its `userId`, `anonymousId` and the bytes of its
    /// ``Message/identitySpan``, each with its presence and length, so that
    /// two messages' keys are equal exactly when ``extractsTheSame(_:_:)``
    /// holds for them. Returns `false` (and `key` means nothing) when that
    /// cannot be told from bytes: `m` has no identity span, is an `alias`, or
    /// its span lies outside its body.
    public static func identityKey(of m: Message, into key: inout [UInt8]) -> Bool {
        guard let span = m.identitySpan, m.type != .alias else { return false }
        key.removeAll(keepingCapacity: true)
        func putLength(_ n: Int) {
            let n = UInt32(clamping: n)
            key.append(UInt8(truncatingIfNeeded: n))
            key.append(UInt8(truncatingIfNeeded: n >> 8))
            key.append(UInt8(truncatingIfNeeded: n >> 16))
            key.append(UInt8(truncatingIfNeeded: n >> 24))
        }
        func put(_ s: String?) {
            guard let s else { return key.append(0) }
            key.append(1)
            putLength(s.utf8.count)
            key.append(contentsOf: s.utf8)
        }
        put(m.userId)
        put(m.anonymousId)
        return m.withBody { body -> Bool in
            func put(_ r: Range<Int>?) -> Bool {
                guard let r else {
                    key.append(0)
                    return true
                }
                guard r.lowerBound >= 0, r.upperBound <= body.count else { return false }
                key.append(1)
                putLength(r.count)
                key.append(contentsOf: UnsafeBufferPointer(rebasing: body[r]))
                return true
            }
            return put(span.device) && put(span.externalIds) && put(span.traits) && put(span.contextTraits)
        }
    }

    /// The traits that hold identifiers, and their kinds.
    static let traitSources: [(key: String, kind: String)] = [
        ("email", Identifier.Kind.email),
        ("phone", Identifier.Kind.phone), ("mobile", Identifier.Kind.phone),
        ("wechat_unionid", Identifier.Kind.wechatUnionId), ("unionid", Identifier.Kind.wechatUnionId),
        ("wechat_openid", Identifier.Kind.wechatOpenId), ("openid", Identifier.Kind.wechatOpenId),
    ]

    /// The identifier kind a trait holds, or `nil` for other traits.
    static func identifierKind(ofTrait key: String) -> String? {
        switch key {
        case "email": return Identifier.Kind.email
        case "phone", "mobile": return Identifier.Kind.phone
        case "wechat_unionid", "unionid": return Identifier.Kind.wechatUnionId
        case "wechat_openid", "openid": return Identifier.Kind.wechatOpenId
        default: return nil
        }
    }
}
