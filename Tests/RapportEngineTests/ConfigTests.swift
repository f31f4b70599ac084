import Foundation
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

@Suite struct ConfigTests {
    @Test func aConfigFileChangesIdentityAndOrderRules() async throws {
        let path = temporaryDirectory() + "/config.json"
        try #"""
            {"identity": {"defaultPhoneRegion": "US", "blockedValues": ["nobody"]},
             "profiles": {"orderEvents": ["Purchase"], "amountProperties": ["amount"]}}
            """#.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try RapportConfig.load(path: path)
        let store = try SQLiteStore(directory: temporaryDirectory(), durability: .normal)
        let engine = Engine(store: store, clock: FixedClock(millis: 1_750_000_000_000),
                            identityRules: config.identity, profileRules: config.profiles)
        let (_, creds) = try await engine.setUp(workspaceName: "cfg")
        let key = try #require(creds?.writeKeys["web"])
        try await engine.projector.load()
        try await engine.send(#"""
            {"batch":[
              {"type":"identify","userId":"nobody","anonymousId":"a1","messageId":"c1","traits":{"phone":"(415) 555-0100"}},
              {"type":"track","anonymousId":"a1","messageId":"c2","event":"Purchase","properties":{"amount":12}},
              {"type":"track","anonymousId":"a1","messageId":"c3","event":"Order Completed","properties":{"revenue":99}}
            ]}
            """#, key: key)
        let p = try await engine.profile("phone:+14155550100")
        #expect(p.aggregates.orders == 1)
        #expect(p.aggregates.revenue == 12)
        #expect(!p.identifiers.contains { $0.identifier.kind == "user_id" }, "\"nobody\" is blocked by the config")
    }

    @Test func orderAmountsAreReadWithoutDecodingTheRestOfTheProperties() throws {
        let rules = ProfileRules()
        func amount(_ properties: String) -> Double {
            let prefix = #"{"type":"track","properties":"#
            let body = Array((prefix + properties + #","userId":"u"}"#).utf8)
            let start = prefix.utf8.count
            let m = Message(type: .track, messageId: "m", userId: "u", event: "Order Completed",
                            propertiesRange: start..<(start + properties.utf8.count), timestamp: 0, receivedAt: 0,
                            body: body)
            return rules.amount(of: ProfileProjector.amountMembers(of: m, rules: rules))
        }
        #expect(amount(#"{"x":{"deep":[1,{"y":null}]},"total":"n/a","revenue":12.5,"products":[]}"#) == 12.5)
        #expect(amount(#"{"products":[{"price":2,"quantity":3},{"price":1.5}],"note":"包邮"}"#) == 7.5)
        #expect(amount(#"{"total":"n/a","value":4}"#) == 4)
        #expect(amount(#"{"revenue":3"#) == 0, "properties that do not decode count nothing")
        #expect(amount("[1,2]") == 0)
        #expect(amount("{}") == 0)
    }

    @Test func badConfigFilesGiveClearErrors() throws {
        let dir = temporaryDirectory()
        #expect(throws: RapportError.self) { try RapportConfig.load(path: dir + "/missing.json") }
        let broken = dir + "/broken.json"
        try "{\"identity\": {\"kinds\": 5}}".write(toFile: broken, atomically: true, encoding: .utf8)
        do {
            _ = try RapportConfig.load(path: broken)
            Issue.record("a wrong type must be refused")
        } catch let e as RapportError {
            #expect(e.code == .configuration)
            #expect(e.message.contains("broken.json"))
        }
        let notJSON = dir + "/not.json"
        try "{identity".write(toFile: notJSON, atomically: true, encoding: .utf8)
        #expect(throws: RapportError.self) { try RapportConfig.load(path: notJSON) }
    }
}
