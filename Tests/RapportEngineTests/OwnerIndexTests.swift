import RapportCore
import Testing

@testable import RapportEngine

@Suite struct OwnerIndexTests {
    @Test func ownersAreKeptPerWorkspaceKindAndValue() {
        var index = OwnerIndex(seed: 42)
        let email = Identifier(kind: "email", value: "a@b.com")
        index.set(ProfileID(1), for: email, in: 1)
        index.set(ProfileID(2), for: email, in: 2)
        index.set(ProfileID(3), for: Identifier(kind: "user_id", value: "a@b.com"), in: 1)
        #expect(index.owner(of: email, in: 1) == ProfileID(1))
        #expect(index.owner(of: email, in: 2) == ProfileID(2))
        #expect(index.owner(of: Identifier(kind: "user_id", value: "a@b.com"), in: 1) == ProfileID(3))
        #expect(index.owner(of: Identifier(kind: "email", value: "A@b.com"), in: 1) == nil)
        #expect(index.owner(of: email, in: 3) == nil)
        index.set(ProfileID(9), for: email, in: 1)
        #expect(index.owner(of: email, in: 1) == ProfileID(9))
        #expect(index.count == 3)
    }

    @Test func everyOwnerIsFoundAfterTheTableGrows() {
        var index = OwnerIndex()
        // Long values (heap strings), short ones (inline), and Chinese text.
        func identifier(_ i: Int) -> Identifier {
            switch i % 3 {
            case 0: return Identifier(kind: "anonymous_id", value: "7c1f0a52-33d4-4b8e-9a55-\(100_000_000_000 + i)")
            case 1: return Identifier(kind: "phone", value: "+86138\(i)")
            default: return Identifier(kind: "wechat_openid", value: "微信\(i)")
            }
        }
        for i in 0..<20_000 { index.set(ProfileID(Int64(i)), for: identifier(i), in: Int64(i % 2 + 1)) }
        #expect(index.count == 20_000)
        for i in 0..<20_000 {
            #expect(index.owner(of: identifier(i), in: Int64(i % 2 + 1)) == ProfileID(Int64(i)))
            #expect(index.owner(of: identifier(i), in: Int64(2 - i % 2)) == nil)
        }
        var seen: [ProfileID] = []
        index.forEach(in: 2) { _, owner in
            seen.append(owner)
            return seen.count < 5
        }
        #expect(seen == [1, 3, 5, 7, 9].map { ProfileID($0) })
    }
}
