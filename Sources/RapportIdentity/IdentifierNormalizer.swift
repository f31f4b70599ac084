import RapportCore

/// Turns raw identifier values into the canonical form Rapport stores and
/// compares, and rejects placeholders and malformed values.
///
/// Per kind:
/// - `email`: trimmed and lower-cased; it must look like `local@domain.tld`
///   (one `@`, no spaces or control characters, a dotted domain without empty
///   labels, at most 254 bytes), otherwise it is invalid.
/// - `phone`: E.164 (`+8613800138000`); see ``normalizePhone(_:)``.
/// - every other kind (`user_id`, `anonymous_id`, `device_id`, WeChat ids,
///   external ids): trimmed, case kept; empty, longer than
///   ``IdentityRules/maxValueLength`` bytes, or containing control characters
///   is invalid.
///
/// Trimming removes ASCII white space, no-break and ideographic spaces, and
/// zero-width spaces / byte-order marks at either end.
///
/// Blocked values (``IdentityRules/blockedValues``,
/// ``IdentityRules/blockAllZeros``) are recognised on the trimmed value and,
/// for phones, on the normalised one too.
public struct IdentifierNormalizer: Sendable {
    /// The outcome of normalising one value.
    public enum Outcome: Sendable, Hashable {
        /// A usable identifier, in canonical form.
        case accepted(Identifier)
        /// A placeholder value (`"null"`, `"guest"`, all zeros, …).
        case blocked
        /// A value that cannot be this kind of identifier.
        case invalid
    }

    /// The rules supplying blocked values, length limit and phone region.
    public var rules: IdentityRules

    /// Creates a normaliser; by default with Rapport's default rules.
    public init(rules: IdentityRules = IdentityRules()) {
        self.rules = rules
    }

    /// Normalises `value` as an identifier of `kind` (already a canonical
    /// kind name such as `email`; see ``kind(forExternalType:)``).
    public func normalize(kind: String, value: String) -> Outcome {
        let value = Self.trimmed(value)
        if isBlocked(value) { return .blocked }
        switch kind {
        case Identifier.Kind.email:
            guard let email = normalizeEmail(value) else { return .invalid }
            return .accepted(Identifier(kind: kind, value: email))
        case Identifier.Kind.phone:
            guard let phone = normalizePhone(value) else { return .invalid }
            if rules.blockAllZeros, Self.isZeroSubscriber(phone) { return .blocked }
            if phone != value, rules.blockedTable.contains(phone) { return .blocked }
            return .accepted(Identifier(kind: kind, value: phone))
        default:
            guard isValidPlainValue(value) else { return .invalid }
            return .accepted(Identifier(kind: kind, value: value))
        }
    }

    /// Whether the trimmed value is a placeholder.
    public func isBlocked(_ trimmedValue: String) -> Bool {
        if rules.blockedTable.contains(trimmedValue) { return true }
        return rules.blockAllZeros && Self.isOnlyZerosAndSeparators(trimmedValue)
    }

    /// The lower-cased e-mail address, or `nil` if `value` does not look like
    /// one. Expects a trimmed value.
    public func normalizeEmail(_ value: String) -> String? {
        let utf8 = value.utf8
        guard utf8.count >= 5, utf8.count <= min(254, rules.maxValueLength) else { return nil }
        if let result = utf8.withContiguousStorageIfAvailable({ Self.checkEmail($0) }) {
            return Self.finishEmail(value, result)
        }
        return Self.finishEmail(value, Self.checkEmail(Array(utf8)))
    }

    /// Lower-cases a checked address: `nil` if invalid, as it is if already
    /// lower-case.
    private static func finishEmail(_ value: String, _ check: (valid: Bool, hasUpper: Bool, hasNonASCII: Bool)) -> String? {
        guard check.valid else { return nil }
        if check.hasNonASCII { return value.lowercased() }
        if !check.hasUpper { return value }
        let utf8 = value.utf8
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            var i = 0
            for b in utf8 where i < buffer.count {
                buffer[i] = asciiLower(b)  // trap-ok: i < buffer.count
                i += 1
            }
            return i
        }
    }

    private static func checkEmail<C: Collection<UInt8>>(_ utf8: C) -> (valid: Bool, hasUpper: Bool, hasNonASCII: Bool) {
        let invalid = (false, false, false)
        var at = -1
        var lastDot = -1
        var previous: UInt8 = 0
        var hasUpper = false, hasNonASCII = false
        var i = 0
        for b in utf8 {
            switch b {
            case 0x00...0x20, 0x7F: return invalid
            case UInt8(ascii: "@"):
                guard at < 0, i > 0, i <= 64 else { return invalid }
                at = i
            case UInt8(ascii: "."):
                if at >= 0 {
                    // No empty domain label: not right after "@" or another dot.
                    guard previous != UInt8(ascii: "@"), previous != UInt8(ascii: ".") else { return invalid }
                    lastDot = i
                }
            case 0x41...0x5A: hasUpper = true
            case 0x80...: hasNonASCII = true
            default: break
            }
            previous = b
            i += 1
        }
        // A dot in the domain, not last, with a top-level label of 2+ bytes.
        guard at > 0, lastDot > at + 1, i - lastDot > 2 else { return invalid }
        return (true, hasUpper, hasNonASCII)
    }

    /// The number in E.164 form (`+` and 8–15 digits), or `nil` if `value`
    /// is not a phone number. Expects a trimmed value.
    ///
    /// - Digits (ASCII or full-width) are kept; spaces, `-`, `.`, `/` and
    ///   parentheses are ignored; a `+` is allowed only before the first digit;
    ///   anything else (letters, `#`, extensions) makes the value invalid.
    /// - `+…`, `00…`, and the default region's own international prefix
    ///   (`011` in North America, `010` in Japan, `0011` in Australia) start an
    ///   international number. After the calling code of a region whose trunk
    ///   prefix is `0`, a written trunk `0` is dropped (`+86 (0)10 …`).
    /// - Other numbers are national numbers of
    ///   ``IdentityRules/defaultPhoneRegion``: its trunk prefix is removed and
    ///   its calling code added (`010-12345678` → `+861012345678`,
    ///   `13800138000` → `+8613800138000`). A national number longer than the
    ///   region allows that starts with its calling code is read as
    ///   international (`8613800138000`).
    public func normalizePhone(_ value: String) -> String? {
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var plus = false
        for scalar in value.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x30...0x39: digits.append(UInt8(v))  // trap-ok: v < 0x3A
            case 0xFF10...0xFF19: digits.append(UInt8(v - 0xFF10 + 0x30))  // trap-ok: full-width digit → ASCII
            case 0x2B, 0xFF0B:  // + and full-width +
                guard !plus, digits.isEmpty else { return nil }
                plus = true
            case 0x20, 0x09, 0x2D, 0x2E, 0x2F, 0x28, 0x29, 0xA0, 0x3000, 0x2010...0x2015, 0x2212,
                 0xFF0D, 0xFF08, 0xFF09, 0xFF0E:
                continue
            default:
                return nil
            }
            if digits.count > 24 { return nil }
        }
        let international: ArraySlice<UInt8>
        if plus {
            international = digits[...]
        } else if let region = rules.phoneRegion {
            if let prefix = region.internationalPrefixes.first(where: { digits.starts(with: $0.utf8) }) {
                international = digits.dropFirst(prefix.utf8.count)
            } else if digits.starts(with: [0x30, 0x30]) {
                international = digits.dropFirst(2)
            } else {
                var national = digits[...]
                if let trunk = region.trunkPrefix, national.starts(with: trunk.utf8) {
                    national = national.dropFirst(trunk.utf8.count)
                } else if national.count > region.maxNationalLength,
                          national.starts(with: region.callingCode.utf8) {
                    return Self.e164(Self.droppingWrittenTrunk(national))
                }
                return Self.e164(region.callingCode.utf8 + national)
            }
        } else if digits.starts(with: [0x30, 0x30]) {
            international = digits.dropFirst(2)
        } else {
            return nil  // a national number, and no region to place it in
        }
        return Self.e164(Self.droppingWrittenTrunk(international))
    }

    /// Removes a `0` written right after a calling code whose region never
    /// starts national numbers with it.
    private static func droppingWrittenTrunk(_ digits: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        for code in PhoneRegion.callingCodesWithZeroTrunk where digits.starts(with: code) {
            let rest = digits.dropFirst(code.count)
            if rest.first == 0x30 {
                return digits.prefix(code.count) + rest.dropFirst()
            }
            return digits
        }
        return digits
    }

    private static func e164<C: Collection<UInt8>>(_ digits: C) -> String? {
        guard digits.count >= 8, digits.count <= 15, let first = digits.first, first != 0x30 else { return nil }
        var out: [UInt8] = [UInt8(ascii: "+")]
        out.reserveCapacity(16)
        out.append(contentsOf: digits)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether an E.164 number is a calling code followed only by zeros: the
    /// digits before its trailing run of zeros are at most three.
    static func isZeroSubscriber(_ e164: String) -> Bool {
        let digits = e164.utf8.dropFirst()
        var trailingZeros = 0
        for b in digits.reversed() {
            guard b == 0x30 else { break }
            trailingZeros += 1
        }
        return digits.count - trailingZeros <= 3
    }

    private func isValidPlainValue(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= rules.maxValueLength else { return false }
        let isControl: (UInt8) -> Bool = { $0 < 0x20 || $0 == 0x7F }
        if let clean = utf8.withContiguousStorageIfAvailable({ !$0.contains(where: isControl) }) { return clean }
        return !utf8.contains(where: isControl)
    }

    /// Whether the value has nothing but `0`s and separators
    /// (`- . _ : / + ( )` and spaces).
    static func isOnlyZerosAndSeparators(_ value: String) -> Bool {
        value.utf8.allSatisfy { b in
            switch b {
            case UInt8(ascii: "0"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                 UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: " "),
                 UInt8(ascii: "\t"):
                return true
            default:
                return false
            }
        }
    }
}
