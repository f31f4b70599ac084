import RapportCore

extension IdentifierNormalizer {
    /// The identifier kind for a `context.externalIds[].type`, or `nil` if the
    /// type is empty or longer than 64 bytes.
    ///
    /// The type is lower-cased and every character outside `[a-z0-9_]`
    /// becomes `_` (`ios.idfa` → `ios_idfa`). Well-known spellings map to
    /// Rapport's kinds: `userid`/`user_id`/`userId` → `user_id`, `email`,
    /// `phone`/`mobile` → `phone`, `unionid`/`wechat_unionid` →
    /// `wechat_unionid`, `openid`/`wechat_openid` → `wechat_openid`,
    /// `anonymousid`/`anonymous_id` → `anonymous_id`, `deviceid`/`device_id` →
    /// `device_id`.
    public static func kind(forExternalType type: String) -> String? {
        // Already a kind name (`email`, `crm_contact_id`, the encoding `none`): no copy to build.
        if isValidKindName(type) { return knownKind(type) ?? type }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(type.utf8.count)
        for scalar in trimmed(type).unicodeScalars {
            switch scalar.value {
            case 0x61...0x7A, 0x30...0x39, 0x5F: bytes.append(UInt8(scalar.value))  // trap-ok: ASCII
            case 0x41...0x5A: bytes.append(UInt8(scalar.value) | 0x20)  // trap-ok: ASCII
            default: bytes.append(UInt8(ascii: "_"))
            }
            if bytes.count > 64 { return nil }
        }
        guard !bytes.isEmpty else { return nil }
        let kind = String(decoding: bytes, as: UTF8.self)
        return knownKind(kind) ?? kind
    }

    /// The kind a lower-case external type names, for the ones Rapport knows by another name.
    static func knownKind(_ kind: String) -> String? {
        switch kind {
        case "userid", "user_id": return Identifier.Kind.userId
        case "email": return Identifier.Kind.email
        case "phone", "mobile": return Identifier.Kind.phone
        case "unionid", "wechat_unionid": return Identifier.Kind.wechatUnionId
        case "openid", "wechat_openid": return Identifier.Kind.wechatOpenId
        case "anonymousid", "anonymous_id": return Identifier.Kind.anonymousId
        case "deviceid", "device_id": return Identifier.Kind.deviceId
        default: return nil
        }
    }

    /// Whether `kind` is 1–64 bytes of `[a-z0-9_]`.
    static func isValidKindName(_ kind: String) -> Bool {
        let utf8 = kind.utf8
        guard !utf8.isEmpty, utf8.count <= 64 else { return false }
        return utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// The value without white space at either end: ASCII white space,
    /// no-break space, ideographic space, zero-width space and byte-order
    /// mark. Returns the value itself when there is nothing to trim.
    public static func trimmed(_ value: String) -> String {
        let utf8 = value.utf8
        guard let first = utf8.first, let last = utf8.last else { return value }
        if first > 0x20, first < 0x7F, last > 0x20, last < 0x7F { return value }
        let scalars = value.unicodeScalars
        guard let start = scalars.firstIndex(where: { !isTrimmable($0) }),
              let end = scalars.lastIndex(where: { !isTrimmable($0) })
        else { return "" }
        return String(scalars[start...end])
    }

    private static func isTrimmable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x3000, 0x200B, 0xFEFF: return true
        default: return false
        }
    }
}
