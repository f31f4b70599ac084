import Foundation
import RapportCore
import RapportStore
import Testing

@testable import RapportEngine

@Suite struct ImporterTests {
    @Test func cdnowMasterImportsOnceAndTwiceChangesNothing() async throws {
        let (engine, _, ws) = try await makeEngine()
        let source = try await engine.source(named: "cdnow", workspaceId: ws.id)
        let path = try fixture("CDNOW_master.txt")
        let report = try await Importer(engine: engine, source: source, inputPath: path).importCDNOW(path: path)
        #expect(report.rows == 69_659)
        #expect(report.appended == 69_659)
        #expect(report.rejected == 0)
        #expect(try await engine.projectNow())
        let stats = try await engine.store.stats(workspaceId: ws.id)
        #expect(stats.liveProfiles == 23_570)
        #expect(stats.orders == 69_659)
        #expect(abs(stats.revenue - 2_500_315.63) < 0.01)
        let again = try await Importer(engine: engine, source: source, inputPath: path).importCDNOW(path: path)
        #expect(again.appended == 0)
        #expect(again.duplicates == 69_659)
        #expect(try await engine.store.lastSeq() == 69_659)
        // Customer 00004 of the master file: 4 orders.
        let p = try await engine.profile("user_id:cdnow-4")
        #expect(p.aggregates.orders == 4)
    }

    @Test func cdnowSampleLayoutIsRead() async throws {
        let (engine, _, ws) = try await makeEngine()
        let source = try await engine.source(named: "cdnow", workspaceId: ws.id)
        let path = try fixture("CDNOW_sample.txt")
        let report = try await Importer(engine: engine, source: source, inputPath: path).importCDNOW(path: path)
        #expect(report.appended == 6_919)
        #expect(try await engine.projectNow())
        let stats = try await engine.store.stats(workspaceId: ws.id)
        #expect(stats.liveProfiles == 2_357)
        #expect(abs(stats.revenue - 244_091.94) < 0.01)
    }

    @Test func anImportStopsWhenItCannotWriteDownARejectedRow() async throws {
        let (engine, _, ws) = try await makeEngine()
        let dir = temporaryDirectory()
        let path = dir + "/events.jsonl"
        try "{\"type\":\"track\",\"event\":\"A\",\"userId\":\"u\",\"messageId\":\"1\"}\nnot json\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        // Where the rejects file would go there is a directory: the rejected line cannot be recorded.
        try FileManager.default.createDirectory(atPath: path + ".rejects.csv", withIntermediateDirectories: false)
        let source = try await engine.source(named: "web", workspaceId: ws.id)
        await #expect(throws: RapportError.self) {
            _ = try await Importer(engine: engine, source: source, inputPath: path).importJSONL(path: path)
        }
    }

    @Test func contactsCSVWithMappingAndRejects() async throws {
        let (engine, _, ws) = try await makeEngine()
        let dir = temporaryDirectory()
        let path = dir + "/contacts.csv"
        let csv = """
            CustomerID,Email,Mobile,Name,City,Notes
            c1,LI@EXAMPLE.COM,138 0013 8000,李雷,上海,"likes ""jazz"", vinyl"
            ,,,,北京,nobody to identify
            c2,han@example.com,+86 139 0000 2222,"Han
            Meimei",杭州,two-line name
            c3,"unterminated
            """
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let source = try await engine.source(named: "crm", workspaceId: ws.id)
        let map = ["user_id": "CustomerID", "email": "Email", "phone": "Mobile"]
        let report = try await Importer(engine: engine, source: source, inputPath: path)
            .importContacts(path: path, map: map)
        #expect(report.appended == 2)
        #expect(report.rejected == 2)
        let rejects = try String(contentsOfFile: try #require(report.rejectsPath), encoding: .utf8)
        #expect(rejects.contains("3,missing_user_id_or_anonymous_id"))
        #expect(rejects.contains("6,invalid_csv"))
        #expect(try await engine.projectNow())
        let li = try await engine.profile("phone:13800138000")
        #expect(li.traits["name"]?.value == .string("李雷"))
        #expect(li.traits["notes"]?.value == .string("likes \"jazz\", vinyl"))
        #expect(li.identifiers.contains { $0.identifier == Identifier(kind: "email", value: "li@example.com") })
        let han = try await engine.profile("user_id:c2")
        #expect(han.traits["name"]?.value == .string("Han\nMeimei"))
        // Importing again changes nothing.
        let again = try await Importer(engine: engine, source: source, inputPath: path).importContacts(path: path, map: map)
        #expect(again.appended == 0 && again.duplicates == 2)
    }

    @Test func ordersCSV() async throws {
        let (engine, _, ws) = try await makeEngine()
        let path = temporaryDirectory() + "/orders.csv"
        try """
            order,customer email,date,amount,sku
            o-1,a@example.com,2024-03-01,99.5,SKU1
            o-2,a@example.com,20240302,0.5,SKU2
            o-3,b@example.com,not-a-date,10,SKU3
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let source = try await engine.source(named: "store", workspaceId: ws.id)
        let report = try await Importer(engine: engine, source: source, inputPath: path).importOrders(
            path: path, map: ["order_id": "order", "email": "customer email", "timestamp": "date", "revenue": "amount"])
        #expect(report.appended == 2)
        #expect(report.rejected == 1)
        #expect(try await engine.projectNow())
        let a = try await engine.profile("email:a@example.com")
        #expect(a.aggregates.orders == 2)
        #expect(a.aggregates.revenue == 100)
        #expect(a.aggregates.firstOrderAt == 1_709_251_200_000)
    }

    @Test func jsonlEventsWithBadLines() async throws {
        let (engine, _, ws) = try await makeEngine()
        let path = temporaryDirectory() + "/events.jsonl"
        try """
            {"type":"track","userId":"j1","event":"Signed Up","messageId":"j-1","timestamp":"2024-01-01T00:00:00+08:00"}
            {"type":"track","userId":"j1","messageId":"j-2"}
            not json
            {"type":"identify","userId":"j1","messageId":"j-3","traits":{"wechat_unionid":"oU123"}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let source = try await engine.source(named: "import", workspaceId: ws.id)
        let report = try await Importer(engine: engine, source: source, inputPath: path).importJSONL(path: path)
        #expect(report.rows == 4)
        #expect(report.appended == 2)
        #expect(report.rejected == 2)
        #expect(try await engine.projectNow())
        let p = try await engine.profile("wechat_unionid:oU123")
        #expect(p.aggregates.eventCount == 2)
        #expect(p.aggregates.firstSeen == 1_704_038_400_000)
    }
}
