import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RapportCore
import RapportEngine
import RapportStore
import Testing

@testable import RapportServer

struct TestServer {
    let engine: Engine
    let credentials: SetupCredentials
    var writeKey: String { credentials.writeKeys["web"] ?? "" }
    var basic: String { "Basic " + Data("\(writeKey):".utf8).base64EncodedString() }
    var bearer: String { "Bearer " + credentials.adminToken }

    static func make() async throws -> TestServer {
        let dir = NSTemporaryDirectory() + "rapport-server-\(UUID().uuidString)"
        let store = try SQLiteStore(directory: dir, durability: .normal)
        let engine = Engine(store: store)
        let (_, creds) = try await engine.setUp(workspaceName: "test")
        return TestServer(engine: engine, credentials: try #require(creds))
    }

    func app() -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return buildApplication(engine: engine, configuration: ServerConfiguration(port: 0), logger: logger)
    }

    /// Waits until `check` holds (the projection runs just after the acknowledgement), up to 60 s
    /// so that a loaded CI machine does not fail a correct server.
    func eventually(_ check: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await check()
    }
}

func json(_ response: TestResponse) throws -> JSONValue {
    try JSONValue.parse(Array(response.body.readableBytesView))
}

@Suite struct IngestHTTPTests {
    @Test func batchWithBasicAuthLandsOnTheProfile() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            let body = #"{"batch":[{"type":"identify","userId":"u1","messageId":"h1","traits":{"email":"h@example.com"}},{"type":"track","userId":"u1","event":"Order Completed","messageId":"h2","properties":{"revenue":12.5}}]}"#
            try await client.execute(uri: "/v1/batch", method: .post,
                                     headers: [.authorization: server.basic, .contentType: "application/json"],
                                     body: ByteBuffer(string: body)) { r in
                #expect(r.status == .ok)
                #expect((try? json(r)) == .object(["success": .bool(true)]))
            }
            let visible = try await server.eventually {
                try await client.execute(uri: "/v1/profiles?identifier=email:H@example.com", method: .get,
                                         headers: [.authorization: server.bearer]) { r in
                    guard r.status == .ok else { return false }
                    let p = try json(r)
                    return p["aggregates"]?["orders"] == .number(1) && p["aggregates"]?["revenue"] == .number(12.5)
                }
            }
            #expect(visible)
            // A retry of the same batch changes nothing.
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: body)) { r in #expect(r.status == .ok) }
            #expect(try await server.engine.store.lastSeq() == 2)
        }
    }

    @Test func authenticationErrorsUseTheSDKErrorShape() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            let body = ByteBuffer(string: #"{"userId":"u","event":"E"}"#)
            try await client.execute(uri: "/v1/track", method: .post, body: body) { r in
                #expect(r.status == .unauthorized)
                let j = try json(r)
                #expect(j["success"] == .bool(false))
                #expect(j["code"] == .string("unauthorized"))
                #expect(j["message"]?.stringValue?.isEmpty == false)
            }
            try await client.execute(uri: "/v1/track", method: .post,
                                     headers: [.authorization: "Basic " + Data("wk_nope:".utf8).base64EncodedString()],
                                     body: body) { r in #expect(r.status == .unauthorized) }
            // writeKey in the body, text/plain as the browser library sends it.
            let withKey = ByteBuffer(string: #"{"userId":"u","event":"E","writeKey":"\#(server.writeKey)"}"#)
            try await client.execute(uri: "/v1/t", method: .post, headers: [.contentType: "text/plain"], body: withKey) { r in
                #expect(r.status == .ok)
            }
        }
    }

    @Test func gzipBodiesAreAccepted() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            var plain = ByteBuffer(string: #"{"batch":[{"type":"page","anonymousId":"g1","name":"Home","messageId":"gz1"}]}"#)
            let zipped = try plain.compress(with: .gzip())
            try await client.execute(uri: "/v1/batch", method: .post,
                                     headers: [.authorization: server.basic, .contentEncoding: "gzip"], body: zipped) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/v1/batch", method: .post,
                                     headers: [.authorization: server.basic, .contentEncoding: "gzip"],
                                     body: ByteBuffer(string: "not gzip")) { r in
                #expect(r.status == .badRequest)
                #expect((try? json(r))?["code"] == .string("invalid_content_encoding"))
            }
        }
        #expect(try await server.engine.store.containsMessage(sourceId: 1, messageId: "gz1"))
    }

    @Test func limitsAndPartialBatches() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            let big = String(repeating: "x", count: 510 * 1024)
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: #"{"batch":[],"pad":"\#(big)"}"#)) { r in
                #expect(r.status == .contentTooLarge)
                #expect((try? json(r))?["code"] == .string("request_too_large"))
            }
            let many = (0..<2501).map { #"{"type":"track","userId":"u","event":"E","messageId":"m\#($0)"}"# }
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: #"{"batch":[\#(many.joined(separator: ","))]}"#)) { r in
                #expect(r.status == .badRequest)
                #expect((try? json(r))?["code"] == .string("batch_too_large"))
            }
            let mixed = #"{"batch":[{"type":"track","userId":"u","event":"Ok","messageId":"ok1"},{"type":"track","event":"NoId","messageId":"bad1"},{"type":"track","userId":"u","messageId":"bad2"}]}"#
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: mixed)) { r in
                #expect(r.status == .ok)
                let j = try json(r)
                #expect(j["accepted"] == .number(1))
                let rejected = j["rejected"]?.arrayValue ?? []
                #expect(rejected.count == 2)
                #expect(rejected.first?["index"] == .number(1))
                #expect(rejected.first?["code"] == .string("missing_user_id_or_anonymous_id"))
                #expect(rejected.last?["code"] == .string("missing_event"))
            }
            try await client.execute(uri: "/v1/track", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: "{not json")) { r in
                #expect(r.status == .badRequest)
                #expect((try? json(r))?["code"] == .string("invalid_json"))
            }
        }
        #expect(try await server.engine.store.lastSeq() == 1)
    }

    @Test func corsPreflightForTheBrowserLibrary() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            try await client.execute(uri: "/v1/t", method: .options,
                                     headers: [.origin: "https://shop.example.com", .accessControlRequestMethod: "POST"]) { r in
                #expect(r.status == .noContent || r.status == .ok)
                #expect(r.headers[.accessControlAllowOrigin] == "https://shop.example.com")
                #expect(r.headers[.accessControlAllowMethods]?.contains("POST") == true)
            }
        }
    }
}

@Suite struct AdminHTTPTests {
    @Test func rolesAreEnforcedAndUnmergeWorks() async throws {
        let server = try await TestServer.make()
        let ws = try await server.engine.defaultWorkspace()
        let analyst = try await server.engine.createToken(workspaceId: ws.id, role: .analyst, name: "a")
        let support = try await server.engine.createToken(workspaceId: ws.id, role: .support, name: "s")
        try await server.app().test(.router) { client in
            let body = #"{"batch":[{"type":"identify","anonymousId":"d1","traits":{"email":"m@example.com"},"messageId":"u1"},{"type":"identify","anonymousId":"d2","traits":{"phone":"13900001111"},"messageId":"u2"},{"type":"identify","anonymousId":"d2","traits":{"email":"m@example.com"},"messageId":"u3"}]}"#
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: body)) { r in #expect(r.status == .ok) }
            var profileId = 0.0
            let merged = try await server.eventually {
                try await client.execute(uri: "/v1/profiles?identifier=anonymous_id:d2", method: .get,
                                         headers: [.authorization: "Bearer \(analyst)"]) { r in
                    guard r.status == .ok, let p = try? json(r), (p["merges"]?.arrayValue?.count ?? 0) == 1 else { return false }
                    profileId = p["id"]?.doubleValue ?? 0
                    return true
                }
            }
            #expect(merged)
            try await client.execute(uri: "/v1/profiles/\(Int(profileId))/unmerge", method: .post,
                                     headers: [.authorization: "Bearer \(analyst)"]) { r in
                #expect(r.status == .forbidden)
                #expect((try? json(r))?["code"] == .string("forbidden"))
            }
            try await client.execute(uri: "/v1/profiles/\(Int(profileId))/unmerge", method: .post,
                                     headers: [.authorization: "Bearer \(support)"]) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["merge"]?["undoneBy"] == .string("s"))
            }
            try await client.execute(uri: "/v1/profiles/\(Int(profileId))/events?limit=1", method: .get,
                                     headers: [.authorization: server.bearer]) { r in
                #expect(r.status == .ok)
                let j = try json(r)
                #expect(j["events"]?.arrayValue?.count == 1)
                #expect(j["next"] != nil)
            }
            try await client.execute(uri: "/v1/stats", method: .get, headers: [.authorization: "Bearer \(support)"]) { r in
                #expect(r.status == .forbidden)
            }
            try await client.execute(uri: "/v1/profiles/abc", method: .get, headers: [.authorization: server.bearer]) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/v1/profiles/99999", method: .get, headers: [.authorization: server.bearer]) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/v1/profiles?identifier=nocolon", method: .get,
                                     headers: [.authorization: server.bearer]) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/v1/profiles/1", method: .get) { r in #expect(r.status == .unauthorized) }
        }
    }

    @Test func healthMetricsAndOpenAPI() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            try await client.execute(uri: "/v1/track", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: #"{"userId":"u","event":"E","messageId":"x"}"#)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/health", method: .get) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["status"] == .string("ok"))
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.contains("rapport_events_accepted_total"))
                #expect(text.contains("rapport_projection_lag_events"))
                #expect(text.contains("# HELP rapport_log_position Highest position in the event log"))
            }
            try await client.execute(uri: "/openapi.json", method: .get) { r in
                let doc = try json(r)
                #expect(doc["openapi"] == .string("3.0.3"))
                #expect(doc["paths"]?["/v1/batch"] != nil)
                #expect(doc["paths"]?["/v1/insights/aarrr"]?["post"] != nil)
            }
            try await client.execute(uri: "/v1/nothing-here", method: .get) { r in
                #expect(r.status == .notFound)
                #expect((try? json(r))?["success"] == .bool(false))
            }
        }
    }
}

@Suite struct ConsoleHTTPTests {
    @Test func loginThenOverviewAndCustomerPage() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.location]?.hasPrefix("/login") == true)
            }
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "username=admin&password=wrong&next=%2F")) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("login-error"))
            }
            let cookie = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=admin&password=\(server.credentials.adminPassword)&next=%2F")
            ) { r -> String in
                #expect(r.status == .seeOther)
                let setCookie = r.headers[.setCookie] ?? ""
                return String(setCookie.split(separator: ";").first ?? "")
            }
            #expect(cookie.hasPrefix("rapport_session="))
            try await client.execute(uri: "/?lang=zh-CN", method: .get, headers: [.cookie: cookie]) { r in
                #expect(r.status == .ok)
                let html = String(buffer: r.body)
                #expect(html.contains("stat-profiles"))
                #expect(html.contains("<svg"))
                #expect(html.contains("lang=\"zh-CN\""))
            }
            try await client.execute(uri: "/v1/identify", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: #"{"userId":"c-1","traits":{"name":"<script>x</script>"},"messageId":"c1"}"#)) { r in
                #expect(r.status == .ok)
            }
            var link = ""
            let found = try await server.eventually {
                try await client.execute(uri: "/customers?q=c-1", method: .get, headers: [.cookie: cookie]) { r in
                    let html = String(buffer: r.body)
                    guard let start = html.range(of: "href=\"/customers/") else { return false }
                    link = "/customers/" + html[start.upperBound...].prefix { $0.isNumber }
                    return html.contains("customer-link")
                }
            }
            #expect(found)
            try await client.execute(uri: link, method: .get, headers: [.cookie: cookie]) { r in
                #expect(r.status == .ok)
                let html = String(buffer: r.body)
                #expect(html.contains("timeline"))
                #expect(!html.contains("<script>x</script>"))
            }
        }
    }
}

/// The console's two languages label the same things, each once.
@Suite struct ConsoleStringsTests {
    @Test func bothLanguagesHaveEveryKeyOnce() {
        let en = ConsoleStrings.enPairs.map(\.0), zh = ConsoleStrings.zhCNPairs.map(\.0)
        #expect(Set(en).count == en.count, "a key twice in English")
        #expect(Set(zh).count == zh.count, "a key twice in Chinese")
        #expect(Set(en).subtracting(zh).sorted() == [], "English only")
        #expect(Set(zh).subtracting(en).sorted() == [], "Chinese only")
        #expect(ConsoleStrings.zhCN["stage_at_risk"] == "流失预警")
    }
}
