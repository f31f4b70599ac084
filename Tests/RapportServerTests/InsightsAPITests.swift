import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RapportCore
import RapportEngine
import Testing

@testable import RapportServer

/// A JSON number's value.
func number(_ v: JSONValue?) -> Double? {
    if case .number(let d)? = v { return d }
    return nil
}

@Suite struct InsightsAPITests {
    @Test func funnelAndRetentionThroughTheAPI() async throws {
        let server = try await TestServer.make()
        let ws = try await server.engine.defaultWorkspace()
        let support = try await server.engine.createToken(workspaceId: ws.id, role: .support, name: "s")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let hour: Int64 = 3_600_000
        func at(_ hoursAgo: Int64) -> String { Timestamp.formatISO8601(now - hoursAgo * hour) }
        // u1 views, adds, buys; u2 views and adds; u3 views; u4 buys, then views (out of order for the funnel).
        var messages: [String] = []
        func track(_ user: String, _ event: String, _ hoursAgo: Int64, _ properties: String = "{}") {
            messages.append(#"{"type":"track","userId":"\#(user)","event":"\#(event)","timestamp":"\#(at(hoursAgo))","messageId":"m\#(messages.count)","properties":\#(properties)}"#)
        }
        messages.append(#"{"type":"identify","userId":"u1","messageId":"i1","traits":{"city":"上海"}}"#)
        messages.append(#"{"type":"identify","userId":"u2","messageId":"i2","traits":{"city":"北京"}}"#)
        track("u1", "Product Viewed", 30, #"{"utm_campaign":"双十一"}"#)
        track("u1", "Product Added", 29)
        track("u1", "Order Completed", 28, #"{"revenue":120}"#)
        track("u2", "Product Viewed", 20, #"{"utm_campaign":"spring"}"#)
        track("u2", "Product Added", 19)
        track("u3", "Product Viewed", 10)
        track("u4", "Order Completed", 9, #"{"revenue":20}"#)
        track("u4", "Product Viewed", 8)
        let batch = #"{"batch":[\#(messages.joined(separator: ","))]}"#
        try await server.app().test(.router) { client in
            func send(_ uri: String, _ body: String, token: String? = nil,
                      _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
                try await client.execute(uri: uri, method: .post,
                                         headers: [.authorization: token.map { "Bearer \($0)" } ?? server.bearer],
                                         body: ByteBuffer(string: body)) { r in try check(r) }
            }
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: batch)) { r in
                #expect(r.status == .ok)
            }
            let funnel = #"{"steps":["Product Viewed","Product Added","Order Completed"],"window_days":7,"breakdown":"trait:city","trend":"day","dropped_after":1}"#
            let projected = try await server.eventually {
                try await client.execute(uri: "/v1/insights/funnel", method: .post, headers: [.authorization: server.bearer],
                                         body: ByteBuffer(string: funnel)) { r in
                    (try? json(r))?["steps"]?.arrayValue?.first?["count"] == .number(4)
                }
            }
            #expect(projected)
            try await send("/v1/insights/funnel", funnel) { r in
                #expect(r.status == .ok)
                let body = try json(r)
                let steps = body["steps"]?.arrayValue ?? []
                #expect(steps.compactMap { $0["count"] } == [.number(4), .number(2), .number(1)])
                #expect(steps.compactMap { $0["dropped_after"] } == [.number(2), .number(1), .number(0)])
                #expect(steps.last?["median_seconds"] == .number(3_600))
                #expect(body["dropped_count"] == .number(2))
                let groups = body["groups"]?.arrayValue ?? []
                let shanghai = groups.first { $0["label"] == .string("上海") }
                #expect(shanghai?["counts"] == .array([.number(1), .number(1), .number(1)]))
                #expect(groups.contains { $0["label"] == .string("(none)") && $0["counts"]?.arrayValue?.first == .number(2) })
                #expect((body["trend"]?.arrayValue ?? []).compactMap { number($0["entered"]) }.reduce(0, +) == 4)
            }
            // A step with a where condition, a breakdown by the entry event's property, and strict order.
            try await send("/v1/insights/funnel", #"{"steps":["Product Viewed","\"Order Completed\" where revenue > 100"],"breakdown":"property:utm_campaign"}"#) { r in
                #expect(r.status == .ok)
                let body = try json(r)
                #expect(body["steps"]?.arrayValue?.compactMap { $0["count"] } == [.number(4), .number(1)])
                #expect(body["groups"]?.arrayValue?.contains { $0["label"] == .string("双十一") } == true)
            }
            try await send("/v1/insights/funnel", #"{"steps":["Product Viewed","Order Completed"],"order":"strict"}"#) { r in
                #expect((try? json(r))?["steps"]?.arrayValue?.compactMap { $0["count"] } == [.number(4), .number(0)])
            }
            try await send("/v1/insights/funnel", #"{"steps":["Product Viewed","Order Completed"],"order":"any"}"#) { r in
                #expect((try? json(r))?["steps"]?.arrayValue?.compactMap { $0["count"] } == [.number(4), .number(2)])
            }
            try await send("/v1/insights/retention", #"{"return_event":"Product Viewed","period":"day","periods":3,"utc_offset_minutes":480}"#) { r in
                #expect(r.status == .ok)
                let cohorts = (try? json(r))?["cohorts"]?.arrayValue ?? []
                #expect(cohorts.compactMap { number($0["size"]) }.reduce(0, +) == 4)
                #expect(cohorts.allSatisfy { $0["counts"]?.arrayValue?.first == $0["size"] })
            }
            // Paths after the first product view: u1 added then bought; u2 added; u3 nothing after; u4 nothing after.
            try await send("/v1/insights/paths", #"{"anchor":"Product Viewed","steps":2}"#) { r in
                #expect(r.status == .ok)
                let body = try json(r)
                #expect(body["anchored"] == .number(4))
                let next = body["next"]?.arrayValue ?? []
                #expect(next.first?["name"] == .string("(end)") && next.first?["count"] == .number(2))
                #expect(next.contains { $0["name"] == .string("Product Added") && $0["count"] == .number(2) })
                let links = body["links"]?.arrayValue ?? []
                #expect(links.contains { $0["depth"] == .number(1) && $0["from"] == .string("Product Added")
                    && $0["to"] == .string("Order Completed") && $0["count"] == .number(1) })
            }
            try await send("/v1/insights/paths", #"{"anchor":"Order Completed","direction":"before","steps":1}"#) { r in
                let next = (try? json(r))?["next"]?.arrayValue ?? []
                #expect(next.contains { $0["name"] == .string("Product Added") && $0["count"] == .number(1) })
                #expect(next.contains { $0["name"] == .string("(end)") && $0["count"] == .number(1) })
            }
            try await send("/v1/insights/paths", #"{"anchor":"A","steps":11}"#) { r in #expect(r.status == .badRequest) }
            try await send("/v1/insights/paths", #"{"steps":2}"#) { r in #expect(r.status == .badRequest) }
            // Bad requests say what is wrong; support staff do not see reports.
            for bad in [#"{"steps":[]}"#, #"{"steps":["A"],"order":"sideways"}"#, #"{"steps":["A"],"colour":"red"}"#,
                        #"{"steps":["\"Order Completed\" where revenue >"]}"#, #"{"steps":["A"],"window_days":0}"#,
                        #"{"steps":["A"],"from":"2024-13-01"}"#, #"{"steps":["A"],"breakdown":"city"}"#, "[1]"] {
                try await send("/v1/insights/funnel", bad) { r in #expect(r.status == .badRequest, "\(bad)") }
            }
            try await send("/v1/insights/funnel", #"{"steps":["A"],"breakdown":"segment:nope"}"#) { r in #expect(r.status == .notFound) }
            try await send("/v1/insights/retention", #"{"period":"year","return_event":"A"}"#) { r in #expect(r.status == .badRequest) }
            try await send("/v1/insights/funnel", #"{"steps":["A"]}"#, token: support) { r in #expect(r.status == .forbidden) }
        }
    }
}
