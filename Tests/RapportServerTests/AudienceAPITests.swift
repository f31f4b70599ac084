import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RapportCore
import RapportEngine
import RapportStore
import Testing

@testable import RapportServer

@Suite struct AudienceAPITests {
    @Test func segmentsAndTraitsThroughTheAPI() async throws {
        let server = try await TestServer.make()
        let ws = try await server.engine.defaultWorkspace()
        let support = try await server.engine.createToken(workspaceId: ws.id, role: .support, name: "s")
        try await server.app().test(.router) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, token: String? = nil,
                      _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
                try await client.execute(uri: uri, method: method,
                                         headers: [.authorization: token.map { "Bearer \($0)" } ?? server.bearer],
                                         body: body.map { ByteBuffer(string: $0) }) { r in try check(r) }
            }
            try await send(.put, "/v1/traits/spent", #"{"expression":"sum revenue of \"Order Completed\""}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["expression"] == .string(#"sum revenue of "Order Completed""#))
            }
            try await send(.put, "/v1/segments/shanghai_big", #"{"condition":"spent > 20 and city = \"上海\"","description":"上海高消费"}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["size"] == .number(0))
                #expect((try? json(r))?["dependsOnTime"] == .bool(false))
            }
            // The JSON form is accepted too.
            try await send(.put, "/v1/segments/buyers", #"{"condition":{"events":{"name":"Order Completed"},"op":">=","value":1}}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["condition"] == .string(#"did "Order Completed""#))
            }
            let body = #"""
                {"batch":[
                  {"type":"identify","userId":"u1","messageId":"a1","traits":{"email":"li@example.com","city":"上海"}},
                  {"type":"track","userId":"u1","event":"Order Completed","messageId":"a2","properties":{"revenue":12.5}},
                  {"type":"track","userId":"u1","event":"Order Completed","messageId":"a3","properties":{"revenue":10}},
                  {"type":"identify","userId":"u2","messageId":"a4","traits":{"email":"wang@example.com","city":"北京"}},
                  {"type":"track","userId":"u2","event":"Order Completed","messageId":"a5","properties":{"revenue":50}}
                ]}
                """#
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: body)) { r in #expect(r.status == .ok) }
            let visible = try await server.eventually {
                try await client.execute(uri: "/v1/segments/shanghai_big", method: .get,
                                         headers: [.authorization: server.bearer]) { r in
                    (try? json(r))?["size"] == .number(1)
                }
            }
            #expect(visible, "the segment follows the events as they are projected")
            try await send(.get, "/v1/segments") { r in
                let list = try json(r)["segments"]?.arrayValue ?? []
                #expect(list.compactMap { $0["name"]?.stringValue } == ["buyers", "shanghai_big"])
                #expect(list.first?["size"] == .number(2))
            }
            try await send(.get, "/v1/segments/shanghai_big/members?format=csv&traits=email,city,spent") { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/csv; charset=utf-8")
                let text = String(buffer: r.body)
                let lines = text.split(separator: "\r\n").map(String.init)
                #expect(lines.count == 2)
                #expect(lines.first == "profile_id,email,city,spent")
                #expect(lines.last?.hasSuffix(",li@example.com,上海,22.5") == true, "\(lines)")
            }
            try await send(.get, "/v1/segments/buyers/members?format=jsonl&traits=email,segments") { r in
                let rows = String(buffer: r.body).split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
                #expect(rows.count == 2)
                #expect(rows.contains { $0["email"] == .string("wang@example.com") && $0["segments"] == .array([.string("buyers")]) })
            }
            try await send(.post, "/v1/segments/preview", #"{"condition":"city = \"北京\" and spent >= 50"}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["size"] == .number(1))
                #expect((try? json(r))?["profiles"] == .number(2))
            }
            // Its size over time, from its segment events.
            let inHistory = try await server.eventually {
                try await client.execute(uri: "/v1/segments/shanghai_big/history?days=3", method: .get,
                                         headers: [.authorization: server.bearer]) { r in
                    let points = (try? json(r))?["points"]?.arrayValue ?? []
                    return points.count == 3 && points.last?["size"] == .number(1) && points.last?["entered"] == .number(1)
                }
            }
            #expect(inHistory, "the entry is written to the log and counted")
            try await send(.get, "/v1/segments/shanghai_big/history?bucket=week") { r in #expect(r.status == .badRequest) }
            try await send(.get, "/v1/segments/shanghai_big/history?days=0") { r in #expect(r.status == .badRequest) }
            try await send(.get, "/v1/segments/nope/history") { r in #expect(r.status == .notFound) }
            // The customer's page shows segments and computed traits.
            try await send(.get, "/v1/profiles?identifier=user_id:u1") { r in
                let p = try json(r)
                #expect(p["segments"] == .array([.string("buyers"), .string("shanghai_big")]))
                #expect(p["computedTraits"]?["spent"] == .number(22.5))
            }

            // Refusals say why, and where.
            try await send(.put, "/v1/segments/bad", #"{"condition":"count \"Order Completed\" within 30 dayz >= 2"}"#) { r in
                #expect(r.status == .badRequest)
                let e = try json(r)
                #expect(e["code"] == .string("condition_syntax"))
                #expect(e["line"] == .number(1) && e["column"] == .number(35))
                #expect(e["expected"]?.arrayValue?.contains(.string("days")) == true)
            }
            try await send(.put, "/v1/segments/loop", #"{"condition":"in segment \"loop\""}"#) { r in
                #expect(r.status == .badRequest)
                #expect((try? json(r))?["code"] == .string("segment_cycle"))
            }
            try await send(.put, "/v1/segments/fans", #"{"condition":"in segment \"buyers\""}"#) { r in #expect(r.status == .ok) }
            try await send(.delete, "/v1/segments/buyers") { r in
                #expect(r.status == .conflict, "fans refers to buyers")
            }
            try await send(.put, "/v1/segments/x", #"{"condition":"everyone"}"#, token: support) { r in
                #expect(r.status == .forbidden)
            }
            try await send(.put, "/v1/segments/x", "not json") { r in #expect(r.status == .badRequest) }
            try await send(.put, "/v1/traits/t", #"{"expression":"count"}"#) { r in
                #expect(r.status == .badRequest)
                #expect((try? json(r))?["code"] == .string("condition_syntax"))
            }
            try await send(.delete, "/v1/segments/fans") { r in #expect(r.status == .ok) }
            try await send(.delete, "/v1/segments/fans") { r in #expect(r.status == .notFound) }
            try await send(.get, "/v1/segments/nope/members") { r in #expect(r.status == .notFound) }
        }
        let stored = try await server.engine.store.definitions(workspaceId: ws.id, kind: nil)
        #expect(stored.map(\.name) == ["buyers", "shanghai_big", "spent"])
        #expect(stored.first { $0.name == "shanghai_big" }?.description == "上海高消费")
    }

    @Test func lifecycleThroughTheAPI() async throws {
        let server = try await TestServer.make()
        let ws = try await server.engine.defaultWorkspace()
        try await server.app().test(.router) { client in
            let send = AdminRequests(client: client, bearer: server.bearer)
            let body = #"""
                {"batch":[
                  {"type":"identify","userId":"u1","messageId":"l1","traits":{"email":"li@example.com"}},
                  {"type":"track","userId":"u1","event":"Order Completed","messageId":"l2","properties":{"revenue":120}},
                  {"type":"identify","userId":"u2","messageId":"l3","traits":{"phone":"+86 138 0013 8000"}},
                  {"type":"page","anonymousId":"visitor","messageId":"l4"}
                ]}
                """#
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: body)) { r in #expect(r.status == .ok) }
            let projected = try await server.eventually { await server.engine.projector.profileCounts(workspaceId: ws.id).live == 3 }
            #expect(projected)
            try await send(.get, "/v1/lifecycle") { r in #expect((try? json(r))?["model"] == .null) }
            try await send(.put, "/v1/lifecycle", #"{"standard":{"new_days":7,"purchase_event":"Order Completed"}}"#) { r in
                #expect(r.status == .ok)
                let stages = (try? json(r))?["stages"]?.arrayValue ?? []
                #expect(stages.compactMap { $0["name"]?.stringValue }
                    == ["won_back", "new", "loyal", "active", "at_risk", "churned", "potential"])
                #expect(stages.dropFirst().first?["condition"] == .string(#"first "Order Completed" after 7 days ago"#))
            }
            try await send(.get, "/v1/lifecycle") { r in
                let o = try json(r)
                let sizes = Dictionary(uniqueKeysWithValues: (o["stages"]?.arrayValue ?? []).compactMap { s in
                    s["name"]?.stringValue.map { ($0, s["size"] ?? .null) }
                })
                #expect(sizes["new"] == .number(1) && sizes["potential"] == .number(1) && sizes["loyal"] == .number(0))
                #expect(o["unstaged"] == .number(1))
                #expect(o["model"]?["warning_stage"] == .string("at_risk"))
            }
            // Stages by period: today's sizes, and the moves into the stages (announced through the log).
            let moved = try await server.eventually {
                try await client.execute(uri: "/v1/lifecycle/periods?period=day&periods=3", method: .get,
                                         headers: [.authorization: server.bearer]) { r in
                    let periods = (try? json(r))?["periods"]?.arrayValue ?? []
                    let flows = periods.last?["flows"]?.arrayValue ?? []
                    return periods.count == 3 && periods.last?["sizes"]?["new"] == .number(1)
                        && periods.last?["sizes"]?["potential"] == .number(1)
                        && flows.contains { $0["from"] == .null && $0["to"] == .string("new") && $0["count"] == .number(1) }
                        && flows.contains { $0["from"] == .null && $0["to"] == .string("potential") && $0["count"] == .number(1) }
                }
            }
            #expect(moved)
            let recorded = try await server.eventually {
                try await client.execute(uri: "/v1/lifecycle/periods?period=day&periods=3&basis=recorded", method: .get,
                                         headers: [.authorization: server.bearer]) { r in
                    let periods = (try? json(r))?["periods"]?.arrayValue ?? []
                    return periods.count == 3 && periods.last?["sizes"]?["new"] == .number(1)
                        && (periods.last?["flows"]?.arrayValue ?? []).contains { $0["to"] == .string("new") }
                }
            }
            #expect(recorded)
            try await send(.get, "/v1/lifecycle/periods?basis=guess") { r in #expect(r.status == .badRequest) }
            try await send(.get, "/v1/lifecycle/periods?period=year") { r in #expect(r.status == .badRequest) }
            try await send(.get, "/v1/lifecycle/periods?periods=0") { r in #expect(r.status == .badRequest) }
            let u1 = try #require(await server.engine.projector.profileId(
                for: Identifier(kind: "user_id", value: "u1"), workspaceId: ws.id))
            try await send(.get, "/v1/profiles/\(u1.rawValue)") { r in
                let stage = try json(r)["stage"]
                #expect(stage?["name"] == .string("new"))
                #expect(stage?["reason"]?.stringValue?.hasPrefix(#"first "Order Completed" after 7 days ago ("#) == true)
                #expect(stage?["tests"]?.arrayValue?.first?["holds"] == .bool(true))
            }
            // Refused, and nothing changes.
            try await send(.put, "/v1/lifecycle", #"{"stages":[{"name":"x","condition":"count >"}]}"#) { r in
                #expect(r.status == .badRequest)
                #expect((try? json(r))?["code"] == .string("condition_syntax"))
            }
            try await send(.put, "/v1/lifecycle", #"{"standard":{"churn_days":"soon"}}"#) { r in #expect(r.status == .badRequest) }
            try await send(.put, "/v1/lifecycle", #"{"standard":{"active_days":100}}"#) { r in #expect(r.status == .badRequest) }
            try await send(.put, "/v1/lifecycle", #"{"stages":"all"}"#) { r in #expect(r.status == .badRequest) }
            try await send(.get, "/v1/lifecycle") { r in #expect((try? json(r))?["stages"]?.arrayValue?.count == 7) }
            // A model of one's own; a stage's history.
            try await send(.put, "/v1/lifecycle", #"{"stages":[{"name":"买家","condition":"did \"Order Completed\""}]}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["warning_stage"] == .null)
            }
            try await send(.get, "/v1/lifecycle/stages/%E4%B9%B0%E5%AE%B6/history?days=2") { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["points"]?.arrayValue?.count == 2)
            }
            try await send(.get, "/v1/lifecycle/stages/new/history") { r in #expect(r.status == .notFound) }
            try await send(.delete, "/v1/lifecycle") { r in #expect(r.status == .noContent) }
            try await send(.get, "/v1/profiles/\(u1.rawValue)") { r in #expect((try? json(r))?["stage"] == .null) }
            try await send(.get, "/v1/lifecycle") { r in #expect((try? json(r))?["model"] == .null) }
            try await send(.delete, "/v1/lifecycle") { r in #expect(r.status == .notFound) }
        }
    }

    @Test func rfmThroughTheAPI() async throws {
        let server = try await TestServer.make()
        let ws = try await server.engine.defaultWorkspace()
        try await server.app().test(.router) { client in
            let send = AdminRequests(client: client, bearer: server.bearer)
            var lines: [String] = []
            for (k, spend) in [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].enumerated() {
                lines.append(#"{"type":"track","userId":"c\#(k)","event":"支付成功","messageId":"r\#(k)","properties":{"order":{"total":"\#(spend).5"}}}"#)
            }
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: #"{"batch":[\#(lines.joined(separator: ","))]}"#)) { r in #expect(r.status == .ok) }
            let projected = try await server.eventually { await server.engine.projector.profileCounts(workspaceId: ws.id).live == 10 }
            #expect(projected)
            try await send(.get, "/v1/rfm") { r in #expect((try? json(r))?["model"] == .null) }
            try await send(.put, "/v1/rfm", #"{"purchase_event":"支付成功","amount_property":"order.total"}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["amount_property"] == .string("order.total"))
            }
            try await send(.get, "/v1/rfm") { r in
                let o = try json(r)
                #expect(o["scored"] == .number(10))
                #expect(o["cells"]?.arrayValue?.count == 25)
                let total = (o["cells"]?.arrayValue ?? []).compactMap { c -> Double? in
                    if case .number(let n)? = c["customers"] { n } else { nil }
                }.reduce(0, +)
                #expect(total == 10)
            }
            let top = try #require(await server.engine.projector.profileId(
                for: Identifier(kind: "user_id", value: "c9"), workspaceId: ws.id))
            try await send(.get, "/v1/profiles/\(top.rawValue)") { r in
                let rfm = try json(r)["rfm"]
                #expect(rfm?["m"] == .number(5) && rfm?["monetary"] == .number(100.5) && rfm?["frequency"] == .number(1))
            }
            try await send(.put, "/v1/rfm", #"{"purchase_event":""}"#) { r in #expect(r.status == .badRequest) }
            try await send(.put, "/v1/rfm", #"{"purchase_event":3}"#) { r in #expect(r.status == .badRequest) }
            try await send(.put, "/v1/rfm", #"{"amount":"x"}"#) { r in #expect(r.status == .badRequest) }
            try await send(.delete, "/v1/rfm") { r in #expect(r.status == .noContent) }
            try await send(.get, "/v1/profiles/\(top.rawValue)") { r in #expect((try? json(r))?["rfm"] == .null) }
        }
    }

    @Test func clustersThroughTheAPI() async throws {
        let server = try await TestServer.make()
        let ws = try await server.engine.defaultWorkspace()
        try await server.app().test(.router) { client in
            let send = AdminRequests(client: client, bearer: server.bearer)
            // Ten customers with 1–2 orders of 10 to 20, five with 9 orders of 900: two clusters.
            var lines: [String] = []
            for k in 0..<15 {
                let (orders, amount) = k < 10 ? (1 + k % 2, 10 + k) : (9, 900)
                for o in 0..<orders {
                    lines.append(#"{"type":"track","userId":"k\#(k)","event":"Order Completed","messageId":"k\#(k)-\#(o)","properties":{"revenue":\#(amount)}}"#)
                }
            }
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: #"{"batch":[\#(lines.joined(separator: ","))]}"#)) { r in #expect(r.status == .ok) }
            let projected = try await server.eventually { await server.engine.projector.profileCounts(workspaceId: ws.id).live == 15 }
            #expect(projected)
            try await send(.put, "/v1/traits/spend", #"{"expression":"sum revenue of \"Order Completed\""}"#) { r in #expect(r.status == .ok) }
            try await send(.put, "/v1/traits/orders", #"{"expression":"count \"Order Completed\""}"#) { r in #expect(r.status == .ok) }
            try await send(.get, "/v1/clusters") { r in #expect((try? json(r))?["model"] == .null) }
            try await send(.post, "/v1/clusters/fit") { r in #expect(r.status == .notFound) }
            try await send(.put, "/v1/clusters", #"{"features":[{"attribute":"spend","transform":"log1p"},{"attribute":"orders"}],"k":2,"names":["小额"]}"#) { r in
                #expect(r.status == .ok)
                let o = try json(r)
                let clusters = o["clusters"]?.arrayValue ?? []
                #expect(clusters.map { $0["size"] } == [.number(10), .number(5)])
                #expect(clusters.map { $0["name"] } == [.string("小额"), .string("Cluster 2")])
                #expect(clusters.last?["centre"]?["spend"] == .number(8100) && clusters.last?["centre"]?["orders"] == .number(9))
                #expect(o["fit"]?["profiles"] == .number(15) && o["model"]?["k"] == .number(2))
            }
            let whale = try #require(await server.engine.projector.profileId(
                for: Identifier(kind: "user_id", value: "k12"), workspaceId: ws.id))
            try await send(.get, "/v1/profiles/\(whale.rawValue)") { r in
                #expect((try? json(r))?["cluster"] == .object(["number": .number(2), "name": .string("Cluster 2")]))
            }
            try await send(.put, "/v1/segments/whales", #"{"condition":"cluster = 2"}"#) { r in #expect(r.status == .ok) }
            try await send(.get, "/v1/segments/whales") { r in #expect((try? json(r))?["size"] == .number(5)) }
            try await send(.put, "/v1/clusters/names", #"{"names":["Small","Whales"]}"#) { r in
                #expect((try? json(r))?["clusters"]?.arrayValue?.map { $0["name"] } == [.string("Small"), .string("Whales")])
            }
            try await send(.post, "/v1/clusters/fit") { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["clusters"]?.arrayValue?.last?["name"] == .string("Whales"))
            }
            // Bad models: a clear 400 each, the model unchanged.
            for bad in [#"{"features":[]}"#, #"{"features":[{"attribute":"cluster"}]}"#, #"{"features":[{"attribute":"spend"}],"k":40}"#,
                        #"{"features":[{"attribute":"spend","transform":"cube"}]}"#, #"{"features":[{"attribute":"spend"}],"fit":{}}"#,
                        #"{"features":"spend"}"#, "[1]", "{"] {
                try await send(.put, "/v1/clusters", bad) { r in #expect(r.status == .badRequest, "\(bad)") }
            }
            try await send(.put, "/v1/clusters/names", #"{"names":"x"}"#) { r in #expect(r.status == .badRequest) }
            try await send(.get, "/v1/clusters") { r in #expect((try? json(r))?["model"]?["k"] == .number(2)) }
            try await send(.delete, "/v1/clusters") { r in #expect(r.status == .noContent) }
            try await send(.get, "/v1/segments/whales") { r in #expect((try? json(r))?["size"] == .number(0)) }
            try await send(.get, "/v1/profiles/\(whale.rawValue)") { r in #expect((try? json(r))?["cluster"] == .null) }
            try await send(.delete, "/v1/clusters") { r in #expect(r.status == .notFound) }
        }
    }

    @Test func tagsThroughTheAPI() async throws {
        let server = try await TestServer.make()
        let ws = try await server.engine.defaultWorkspace()
        try await server.app().test(.router) { client in
            let send = AdminRequests(client: client, bearer: server.bearer)
            let body = #"""
                {"batch":[
                  {"type":"identify","userId":"u1","messageId":"t1","traits":{"email":"li@example.com"}},
                  {"type":"track","userId":"u1","event":"Order Completed","messageId":"t2","properties":{"revenue":120}},
                  {"type":"identify","userId":"u2","messageId":"t3","traits":{"phone":"+86 138 0013 8000"}}
                ]}
                """#
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: body)) { r in #expect(r.status == .ok) }
            let projected = try await server.eventually { await server.engine.projector.profileCounts(workspaceId: ws.id).live == 2 }
            #expect(projected)
            try await send(.put, "/v1/tags/buyer", #"{"group":"behaviour","rule":"did \"Order Completed\""}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["size"] == .number(1))
                #expect((try? json(r))?["rule"] == .string(#"did "Order Completed""#))
            }
            try await send(.put, "/v1/tags/门店会员", #"{"group":"member_level","description":"offline members"}"#) { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["rule"] == .null)
            }
            try await send(.post, "/v1/tags/门店会员/upload", "phone\n13800138000\n13900000000\n") { r in
                #expect(r.status == .ok)
                #expect((try? json(r))?["changed"] == .number(1))
                #expect((try? json(r))?["notFoundCount"] == .number(1))
            }
            let u1 = try #require(await server.engine.projector.profileId(
                for: Identifier(kind: "user_id", value: "u1"), workspaceId: ws.id))
            try await send(.post, "/v1/tags/门店会员/profiles", #"{"add":[\#(u1.rawValue)]}"#) { r in
                #expect((try? json(r))?["added"]?["changed"] == .number(1))
            }
            try await send(.get, "/v1/tags") { r in
                let tags = try json(r)["tags"]?.arrayValue ?? []
                #expect(tags.compactMap { $0["name"]?.stringValue } == ["buyer", "门店会员"])
                #expect(tags.last?["size"] == .number(2) && tags.last?["group"] == .string("member_level"))
                #expect(try json(r)["defaultGroups"]?.arrayValue?.contains(.string("loyalty")) == true)
            }
            try await send(.get, "/v1/profiles?identifier=user_id:u1") { r in
                #expect((try? json(r))?["tags"] == .array([.string("buyer"), .string("门店会员")]))
            }
            try await send(.get, "/v1/tags/门店会员/members") { r in #expect((try? json(r))?["size"] == .number(2)) }
            // As HTTP clients send it: percent-encoded.
            try await send(.get, "/v1/tags/%E9%97%A8%E5%BA%97%E4%BC%9A%E5%91%98/members") { r in
                #expect((try? json(r))?["size"] == .number(2))
            }
            // Refusals.
            try await send(.put, "/v1/tags/x", #"{"rule":"everyone"}"#) { r in #expect(r.status == .badRequest) }
            try await send(.put, "/v1/tags/x", #"{"group":"g","rule":"did \"A\" within"}"#) { r in
                #expect(r.status == .badRequest)
                #expect((try? json(r))?["code"] == .string("condition_syntax"))
            }
            try await send(.post, "/v1/tags/nope/profiles", #"{"add":[1]}"#) { r in #expect(r.status == .notFound) }
            try await send(.post, "/v1/tags/buyer/profiles", #"{"add":[-1]}"#) { r in #expect(r.status == .badRequest) }
            try await send(.post, "/v1/tags/buyer/upload", "city\nx\n") { r in #expect(r.status == .badRequest) }
            try await send(.delete, "/v1/tags/门店会员") { r in #expect(r.status == .ok) }
            try await send(.get, "/v1/tags/门店会员") { r in #expect(r.status == .notFound) }
            try await send(.get, "/v1/profiles?identifier=user_id:u1") { r in
                #expect((try? json(r))?["tags"] == .array([.string("buyer")]))
            }
        }
    }
}

/// Requests with the admin token: `try await send(.get, "/v1/rfm") { response in … }`.
struct AdminRequests {
    let client: any TestClientProtocol
    let bearer: String

    func callAsFunction(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
                        _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
        try await client.execute(uri: uri, method: method, headers: [.authorization: bearer],
                                 body: body.map { ByteBuffer(string: $0) }) { r in try check(r) }
    }
}
