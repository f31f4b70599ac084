import RapportCore
import Testing

@testable import RapportIdentity

@Suite struct IdentifierNormalizerTests {
    static func normalizer(region: String = "CN") -> IdentifierNormalizer {
        IdentifierNormalizer(rules: IdentityRules(defaultPhoneRegion: region))
    }

    static func accepted(_ outcome: IdentifierNormalizer.Outcome) -> String? {
        if case .accepted(let id) = outcome { return id.value }
        return nil
    }

    @Test(arguments: [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("+86-138-0013-8000", "+8613800138000"),
        ("0086 138 0013 8000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        (" +86 13800138000 ", "+8613800138000"),
        ("\u{FF11}\u{FF13}\u{FF18}\u{FF10}\u{FF10}\u{FF11}\u{FF13}\u{FF18}\u{FF10}\u{FF10}\u{FF10}", "+8613800138000"),
        ("\u{FF0B}86\u{3000}13800138000", "+8613800138000"),
        ("010-12345678", "+861012345678"),
        ("(010) 1234 5678", "+861012345678"),
        ("+86 (0)10 1234 5678", "+861012345678"),
        ("0755-12345678", "+8675512345678"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+852 2123 4567", "+85221234567"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+39 06 1234 5678", "+390612345678"),  // Italy keeps its 0
    ])
    func phonesWithDefaultRegionCN(raw: String, expected: String) {
        #expect(Self.accepted(Self.normalizer().normalize(kind: "phone", value: raw)) == expected)
    }

    @Test(arguments: [
        ("US", "(415) 555-2671", "+14155552671"),
        ("US", "415.555.2671", "+14155552671"),
        ("US", "1-415-555-2671", "+14155552671"),
        ("US", "011 44 20 7946 0958", "+442079460958"),
        ("US", "+86 138 0013 8000", "+8613800138000"),
        ("CA", "604 555 0100", "+16045550100"),
        ("GB", "020 7946 0958", "+442079460958"),
        ("JP", "03-1234-5678", "+81312345678"),
        ("JP", "090-1234-5678", "+819012345678"),
        ("KR", "010-1234-5678", "+821012345678"),
        ("HK", "2123 4567", "+85221234567"),
        ("SG", "6123 4567", "+6561234567"),
        ("TW", "0912 345 678", "+886912345678"),
        ("AU", "0412 345 678", "+61412345678"),
        ("AU", "0011 44 20 7946 0958", "+442079460958"),
        ("de", "030 123456", "+4930123456"),
        ("IN", "098765 43210", "+919876543210"),
    ])
    func phonesInOtherRegions(region: String, raw: String, expected: String) {
        #expect(Self.accepted(Self.normalizer(region: region).normalize(kind: "phone", value: raw)) == expected)
    }

    @Test(arguments: [
        "12345",  // +8612345: too short
        "1234567890123456",  // too long
        "+1 234 567",  // 7 digits
        "+1234567890123456",  // 16 digits
        "abc",
        "138-0013-8000 ext 12",
        "138-0013-8000#12",
        "+86+13800138000",
        "++8613800138000",
        "138+00138000",
        "+0123456789",
        "00 1",
    ])
    func invalidPhones(raw: String) {
        #expect(Self.normalizer().normalize(kind: "phone", value: raw) == .invalid)
    }

    @Test func shortestAndLongestPhones() {
        let n = Self.normalizer()
        // 6 national digits + 86 = 8 digits: the shortest accepted.
        #expect(n.normalize(kind: "phone", value: "123456") == .accepted(Identifier(kind: "phone", value: "+86123456")))
        #expect(n.normalize(kind: "phone", value: "12345") == .invalid)
        #expect(n.normalize(kind: "phone", value: "+123456789012345") == .accepted(Identifier(kind: "phone", value: "+123456789012345")))
        #expect(n.normalize(kind: "phone", value: "+1234567890123456") == .invalid)
    }

    @Test func phoneOfZerosIsBlocked() {
        let n = Self.normalizer()
        #expect(n.normalize(kind: "phone", value: "000-0000-0000") == .blocked)
        #expect(n.normalize(kind: "phone", value: "+86 0000 0000 000") == .blocked)
        #expect(n.normalize(kind: "phone", value: "+1 000 000 0000") == .blocked)
        var rules = IdentityRules()
        rules.blockAllZeros = false
        #expect(IdentifierNormalizer(rules: rules).normalize(kind: "phone", value: "+86 1 0000000000")
            == .accepted(Identifier(kind: "phone", value: "+8610000000000")))
    }

    @Test func phoneBlockedAfterNormalisation() {
        var rules = IdentityRules()
        rules.blockedValues.append("+8613800138000")
        let n = IdentifierNormalizer(rules: rules)
        #expect(n.normalize(kind: "phone", value: "138 0013 8000") == .blocked)
        #expect(n.normalize(kind: "phone", value: "13900139000") == .accepted(Identifier(kind: "phone", value: "+8613900139000")))
    }

    @Test func nationalNumbersWithUnknownRegionAreInvalid() {
        let n = IdentifierNormalizer(rules: IdentityRules(defaultPhoneRegion: "XX"))
        #expect(n.normalize(kind: "phone", value: "13800138000") == .invalid)
        #expect(n.normalize(kind: "phone", value: "+8613800138000") == .accepted(Identifier(kind: "phone", value: "+8613800138000")))
        #expect(n.normalize(kind: "phone", value: "008613800138000") == .accepted(Identifier(kind: "phone", value: "+8613800138000")))
    }

    @Test(arguments: [
        (" Alice@Example.COM ", "alice@example.com"),
        ("a.b+tag@sub.example.co", "a.b+tag@sub.example.co"),
        ("Zoë@Exämple.COM", "zoë@exämple.com"),
        ("x@y.io", "x@y.io"),
    ])
    func validEmails(raw: String, expected: String) {
        #expect(Self.accepted(Self.normalizer().normalize(kind: "email", value: raw)) == expected)
    }

    @Test(arguments: [
        "alice", "alice@", "@example.com", "alice@example", "alice@@example.com", "a@b@example.com",
        "a b@example.com", "alice@example..com", "alice@.example.com", "alice@example.com.",
        "alice@example.c", "alice@exa mple.com", "al\u{01}ice@example.com",
        String(repeating: "a", count: 65) + "@example.com",
        "a@" + String(repeating: "b", count: 250) + ".com",
    ])
    func invalidEmails(raw: String) {
        #expect(Self.normalizer().normalize(kind: "email", value: raw) == .invalid)
    }

    @Test(arguments: [
        "", "   ", "null", " NULL ", "Nil", "none", "Undefined", "[object Object]", "anonymous", "Guest",
        "unknown", "N/A", "na", "0", "-1", "test", "TEST", "00000000-0000-0000-0000-000000000000",
        "0000", "000-000", "0.0", "0 0", "---", "\u{3000}null\u{3000}", "\u{FEFF}undefined",
    ])
    func blockedValues(raw: String) {
        let n = Self.normalizer()
        #expect(n.normalize(kind: "user_id", value: raw) == .blocked)
        #expect(n.normalize(kind: "device_id", value: raw) == .blocked)
    }

    @Test(arguments: ["10", "user-0", "a0", "nulls", "guest1", "0x0", "-2", "Ünknown"])
    func notBlocked(raw: String) {
        #expect(Self.accepted(Self.normalizer().normalize(kind: "user_id", value: raw)) == raw)
    }

    @Test func blockAllZerosCanBeTurnedOff() {
        var rules = IdentityRules()
        rules.blockAllZeros = false
        let n = IdentifierNormalizer(rules: rules)
        #expect(n.normalize(kind: "device_id", value: "0000") == .accepted(Identifier(kind: "device_id", value: "0000")))
        #expect(n.normalize(kind: "device_id", value: "0") == .blocked)  // still in the list
    }

    @Test func customBlockedValuesIgnoreCaseIncludingNonASCII() {
        let n = IdentifierNormalizer(rules: IdentityRules(blockedValues: ["Ünknown", " Nobody "]))
        #expect(n.normalize(kind: "user_id", value: "ÜNKNOWN") == .blocked)
        #expect(n.normalize(kind: "user_id", value: "nobody") == .blocked)
        #expect(n.normalize(kind: "user_id", value: "null") == .accepted(Identifier(kind: "user_id", value: "null")))
        // Not in the list any more, but nothing but (zero) separators: still blocked.
        #expect(n.normalize(kind: "user_id", value: "") == .blocked)
    }

    @Test func plainIdsKeepCaseTrimAndLengthLimit() {
        let n = Self.normalizer()
        #expect(n.normalize(kind: "user_id", value: "  AbC-123\t") == .accepted(Identifier(kind: "user_id", value: "AbC-123")))
        let max = String(repeating: "x", count: 256)
        #expect(n.normalize(kind: "device_id", value: max) == .accepted(Identifier(kind: "device_id", value: max)))
        #expect(n.normalize(kind: "device_id", value: max + "x") == .invalid)
        #expect(n.normalize(kind: "wechat_openid", value: "oAbC\u{07}") == .invalid)
        #expect(n.normalize(kind: "wechat_openid", value: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
            == .accepted(Identifier(kind: "wechat_openid", value: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")))
    }

    @Test(arguments: [
        ("userId", "user_id"), ("userid", "user_id"), ("user_id", "user_id"), ("USER-ID", "user_id"),
        ("email", "email"), ("Email", "email"), ("phone", "phone"), ("mobile", "phone"),
        ("unionid", "wechat_unionid"), ("wechat_unionid", "wechat_unionid"),
        ("openid", "wechat_openid"), ("WeChat_OpenID", "wechat_openid"),
        ("anonymousId", "anonymous_id"), ("device_id", "device_id"),
        ("ios.idfa", "ios_idfa"), ("HubSpot ID", "hubspot_id"), (" crm_id ", "crm_id"), ("客户号", "___"),
        ("crm_contact_id", "crm_contact_id"), ("none", "none"), (String(repeating: "k", count: 64), String(repeating: "k", count: 64)),
    ])
    func externalTypes(type: String, kind: String) {
        #expect(IdentifierNormalizer.kind(forExternalType: type) == kind)
    }

    @Test func unusableExternalTypes() {
        #expect(IdentifierNormalizer.kind(forExternalType: "") == nil)
        #expect(IdentifierNormalizer.kind(forExternalType: "  ") == nil)
        #expect(IdentifierNormalizer.kind(forExternalType: String(repeating: "k", count: 65)) == nil)
        #expect(IdentifierNormalizer.kind(forExternalType: String(repeating: "k", count: 64)) != nil)
    }

    @Test func trimming() {
        #expect(IdentifierNormalizer.trimmed("abc") == "abc")
        #expect(IdentifierNormalizer.trimmed(" \u{A0}abc d\u{200B}\n") == "abc d")
        #expect(IdentifierNormalizer.trimmed("\u{3000}\u{3000}") == "")
        #expect(IdentifierNormalizer.trimmed("张三") == "张三")
    }
}
