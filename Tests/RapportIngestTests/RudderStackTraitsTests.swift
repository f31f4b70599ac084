import RapportCore
import RapportIngest
import Testing

@Suite struct RudderStackTraitsTests {
    /// rudder-sdk-python sends identify traits only in context.traits.
    @Test func identifyTraitsFromContextTraitsAreKeptAndTopLevelWins() throws {
        let body = Array(#"""
            {"batch":[{"type":"identify","userId":"u","messageId":"m",
              "context":{"traits":{"phone":"+86 139 1234 5678","city":"上海"}},
              "traits":{"city":"北京"}}]}
            """#.utf8)
        let decoded = try MessageDecoder().decode(body: body, endpoint: .batch, receivedAt: 1_000)
        let m = try #require(decoded.accepted.first)
        #expect(m.traits["phone"] == .string("+86 139 1234 5678"))
        #expect(m.traits["city"] == .string("北京"))
    }
}
