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
