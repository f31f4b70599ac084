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

@Suite struct BatchContextTests {
    /// A batch-level context ends up in each message's body, so replaying the log sees it.
    @Test func batchContextIsWrittenIntoTheStoredBody() throws {
        let body = Array(#"""
            {"context":{"device":{"id":"dev-9"},"library":{"name":"x"}},
             "batch":[{"type":"track","userId":"u","event":"E","messageId":"m1","properties":{"price":3},
                       "context":{"library":{"name":"own"}}},
                      {"type":"identify","userId":"u","messageId":"m2"}]}
            """#.utf8)
        let decoded = try MessageDecoder().decode(body: body, endpoint: .batch, receivedAt: 1_000)
        #expect(decoded.accepted.count == 2)
        let first = try #require(decoded.accepted.first)
        let stored = try JSONValue.parse(first.body)
        #expect(stored["context"]?["device"]?["id"] == .string("dev-9"))
        #expect(stored["context"]?["library"]?["name"] == .string("own"), "the message's own members win")
        let range = try #require(first.propertiesRange)
        #expect(try JSONValue.parse(Array(first.body[range])) == .object(["price": .number(3)]))
        // Decoding the stored body alone (as a replay does) finds the device id.
        let replayed = try MessageDecoder().decodeLine(first.body, receivedAt: 1_000)
        #expect(replayed.context["device"]?["id"] == .string("dev-9"))
        let second = try #require(decoded.accepted.last)
        #expect(second.propertiesRange == nil)
        #expect(try JSONValue.parse(second.body)["context"]?["device"]?["id"] == .string("dev-9"))
    }
}
