import Foundation
import RapportCore
import Testing

@testable import RapportIdentity

@Suite struct IdentityRulesTests {
    @Test func defaultLimitsAndRanks() {
        let rules = IdentityRules()
        #expect(rules.maxPerProfile("user_id") == 1)
        #expect(rules.maxPerProfile("email") == 5)
        #expect(rules.maxPerProfile("hubspot_id") == 5)
        let order = ["user_id", "wechat_unionid", "email", "phone", "wechat_openid", "hubspot_id", "device_id", "anonymous_id"]
        for (a, b) in zip(order, order.dropFirst()) {
            #expect(rules.rank(of: a) < rules.rank(of: b), "\(a) should outrank \(b)")
        }
        #expect(rules.rank(of: "crm_id") == rules.rank(of: "hubspot_id"))
    }

    @Test func unknownKindsRankLastWithoutDeviceId() {
        let rules = IdentityRules(kinds: [.init(kind: "user_id", maxPerProfile: 1), .init(kind: "email", maxPerProfile: 2)],
                                  defaultMaxPerProfile: 3)
        #expect(rules.rank(of: "crm_id") > rules.rank(of: "email"))
        #expect(rules.maxPerProfile("device_id") == 3)
        #expect(rules.maxPerProfile("email") == 2)
    }

    @Test func changingKindsRebuildsTables() {
        var rules = IdentityRules()
        rules.kinds.insert(.init(kind: "crm_id", maxPerProfile: 2), at: 0)
        #expect(rules.rank(of: "crm_id") < rules.rank(of: "user_id"))
        #expect(rules.maxPerProfile("crm_id") == 2)
    }

    @Test func prioritizedSortsAndDeduplicates() {
        let rules = IdentityRules()
        let ids = [
            Identifier(kind: "anonymous_id", value: "a"), Identifier(kind: "device_id", value: "d2"),
            Identifier(kind: "zeta_id", value: "z"), Identifier(kind: "alpha_id", value: "x"),
            Identifier(kind: "email", value: "e@x.io"), Identifier(kind: "device_id", value: "d1"),
            Identifier(kind: "user_id", value: "u"), Identifier(kind: "device_id", value: "d2"),
        ]
        #expect(rules.prioritized(ids).map(\.description) == [
            "user_id:u", "email:e@x.io", "alpha_id:x", "zeta_id:z", "device_id:d1", "device_id:d2", "anonymous_id:a",
        ])
    }

    @Test func decodesPartialJSONWithDefaults() throws {
        let json = #"{"kinds":[{"kind":"user_id","maxPerProfile":1},{"kind":"email","maxPerProfile":2}],"defaultPhoneRegion":"us","blockAllZeros":false}"#
        let rules = try JSONDecoder().decode(IdentityRules.self, from: Data(json.utf8))
        #expect(rules.kinds.count == 2)
        #expect(rules.maxPerProfile("email") == 2)
        #expect(rules.blockAllZeros == false)
        #expect(rules.blockedValues == IdentityRules.defaultBlockedValues)
        #expect(rules.defaultMaxPerProfile == 5)
        let phone = IdentifierNormalizer(rules: rules).normalize(kind: "phone", value: "(415) 555-2671")
        #expect(phone == .accepted(Identifier(kind: "phone", value: "+14155552671")))
    }

    @Test func roundTripsThroughJSON() throws {
        let rules = IdentityRules(kinds: [.init(kind: "user_id", maxPerProfile: 1)], defaultMaxPerProfile: 7,
                                  blockedValues: ["x"], blockAllZeros: false, defaultPhoneRegion: "JP", maxValueLength: 100)
        let data = try JSONEncoder().encode(rules)
        let back = try JSONDecoder().decode(IdentityRules.self, from: data)
        #expect(back == rules)
        #expect(back.maxValueLength == 100)
    }

    @Test(arguments: [
        #"{"defaultPhoneRegion":"XX"}"#,
        #"{"kinds":[{"kind":"email","maxPerProfile":1},{"kind":"email","maxPerProfile":2}]}"#,
        #"{"kinds":[{"kind":"Email","maxPerProfile":1}]}"#,
        #"{"kinds":[{"kind":"email","maxPerProfile":0}]}"#,
        #"{"defaultMaxPerProfile":0}"#,
        #"{"maxValueLength":0}"#,
    ])
    func rejectsNonsense(json: String) {
        #expect {
            _ = try JSONDecoder().decode(IdentityRules.self, from: Data(json.utf8))
        } throws: { error in
            (error as? RapportError)?.code == .configuration
        }
    }
}
