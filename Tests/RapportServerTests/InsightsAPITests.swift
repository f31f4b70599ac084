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
            // Those who dropped after adding to the cart, saved as a static segment: its members are theirs.
            try await send("/v1/insights/funnel", #"{"steps":["Product Viewed","Product Added","Order Completed"],"window_days":7,"dropped_after":2,"save_dropped_as":"加购未买"}"#) { r in
                #expect(r.status == .ok)
                let body = try json(r)
                #expect(body["dropped_count"] == .number(1))
                #expect(body["saved_segment"]?["members"] == .number(1))
            }
            let u2 = try #require(await server.engine.projector.profileId(
                for: Identifier(kind: "user_id", value: "u2"), workspaceId: ws.id))
            let saved = try await server.eventually {
                try await client.execute(uri: "/v1/segments/%E5%8A%A0%E8%B4%AD%E6%9C%AA%E4%B9%B0/members", method: .get,
                                         headers: [.authorization: server.bearer]) { r in
                    (try? json(r))?["members"]?.arrayValue?.compactMap { number($0["profile_id"]) } == [Double(u2.rawValue)]
                }
            }
            #expect(saved)
            try await send("/v1/insights/funnel", #"{"steps":["A","B"],"save_dropped_as":"x"}"#) { r in #expect(r.status == .badRequest) }
            try await send("/v1/insights/funnel", #"{"steps":["Product Viewed","Order Completed"],"breakdown":"channel"}"#) { r in
                let groups = (try? json(r))?["groups"]?.arrayValue ?? []
                #expect(groups.count == 1 && groups.first?["label"] == .string("web"))
                #expect(groups.first?["counts"]?.arrayValue?.first == .number(4))
            }
            try await send("/v1/insights/funnel", #"{"steps":["Product Viewed","Order Completed"],"order":"strict"}"#) { r in
                #expect((try? json(r))?["steps"]?.arrayValue?.compactMap { $0["count"] } == [.number(4), .number(0)])
            }
            try await send("/v1/insights/funnel", #"{"steps":["Product Viewed","Order Completed"],"order":"any"}"#) { r in
                #expect((try? json(r))?["steps"]?.arrayValue?.compactMap { $0["count"] } == [.number(4), .number(2)])
            }
            // Days in a zone where it is about noon now: u4's order and view (9 and 8 hours ago) fall on one day,
            // whatever the time the test runs at.
            let offset = (12 - Int((now / hour) % 24)) * 60
            try await send("/v1/insights/retention", #"{"return_event":"Product Viewed","period":"day","periods":3,"utc_offset_minutes":\#(offset)}"#) { r in
                #expect(r.status == .ok)
                let cohorts = (try? json(r))?["cohorts"]?.arrayValue ?? []
                #expect(cohorts.compactMap { number($0["size"]) }.reduce(0, +) == 4)
                #expect(cohorts.allSatisfy { $0["counts"]?.arrayValue?.first == $0["size"] })
            }
            // By city: a matrix per group, the groups adding up to the whole.
            try await send("/v1/insights/retention", #"{"return_event":"Product Viewed","period":"day","periods":3,"breakdown":"trait:city"}"#) { r in
                #expect(r.status == .ok)
                let groups = (try? json(r))?["groups"]?.arrayValue ?? []
                func size(_ g: JSONValue?) -> Double { (g?["cohorts"]?.arrayValue ?? []).compactMap { number($0["size"]) }.reduce(0, +) }
                #expect(groups.first?["label"] == .string("(none)") && size(groups.first) == 2)
                #expect(groups.contains { $0["label"] == .string("上海") && size($0) == 1 })
                #expect(groups.map(size).reduce(0, +) == 4)
            }
            try await send("/v1/insights/retention", #"{"return_event":"A","breakdown":"property:x"}"#) { r in #expect(r.status == .badRequest) }
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

    /// The AARRR dashboard on a handful of customers whose every figure is worked out by hand.
    @Test func aarrrThroughTheAPI() async throws {
        let server = try await TestServer.make()
        let appKey = try #require(server.credentials.writeKeys["app"])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let day = Timestamp.millisPerDay, minute: Int64 = 60_000
        var web: [String] = [], app: [String] = []
        var sent = 0
        func track(_ list: inout [String], _ user: String, _ event: String, _ at: Int64, _ properties: String = "{}",
                   context: String = "{}") {
            list.append(#"{"type":"track","userId":"\#(user)","event":"\#(event)","timestamp":"\#(Timestamp.formatISO8601(at))","messageId":"a\#(sent)","properties":\#(properties),"context":\#(context)}"#)
            sent += 1
        }
        // u1: came from baidu 10 days ago, signed up, back the next day to buy, bought again and invited 3 days ago
        // (day 7 after the first); u2: came in the app through a friend's code; u3: came and bought 2 days ago.
        track(&web, "u1", "Product Viewed", now - 10 * day, context: #"{"campaign":{"source":"baidu","name":"brand"}}"#)
        track(&web, "u1", "Signed Up", now - 10 * day + minute)
        track(&web, "u1", "Order Completed", now - 9 * day, #"{"revenue":100}"#)
        track(&web, "u1", "Order Completed", now - 3 * day, #"{"revenue":"50"}"#)
        track(&web, "u1", "Invite Sent", now - 3 * day + minute)
        track(&app, "u2", "App Opened", now - 10 * day)
        track(&app, "u2", "Signed Up", now - 10 * day + minute, #"{"referral_code":"RU1"}"#)
        track(&web, "u3", "Order Completed", now - 2 * day, #"{"revenue":30}"#)
        let batches = [(server.basic, web), ("Basic " + Data("\(appKey):".utf8).base64EncodedString(), app)]
        try await server.app().test(.router) { client in
            for (key, list) in batches {
                try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: key],
                                         body: ByteBuffer(string: #"{"batch":[\#(list.joined(separator: ","))]}"#)) { r in
                    #expect(r.status == .ok)
                }
            }
            let request = #"{"period":"day","periods":14}"#
            let ready = try await server.eventually {
                try await client.execute(uri: "/v1/insights/aarrr", method: .post, headers: [.authorization: server.bearer],
                                         body: ByteBuffer(string: request)) { r in
                    (try? json(r))?["total"]?["orders"] == .number(3)
                }
            }
            #expect(ready)
            try await client.execute(uri: "/v1/insights/aarrr", method: .post, headers: [.authorization: server.bearer],
                                     body: ByteBuffer(string: request)) { r in
                #expect(r.status == .ok)
                let body = try json(r)
                #expect(body["periods"]?.arrayValue?.count == 14)
                let t = try #require(body["total"])
                #expect(t["new_profiles"] == .number(3))
                let channels = t["acquisition"]?["channel"]?.arrayValue ?? []
                #expect(channels.first?["label"] == .string("web") && channels.first?["count"] == .number(2))
                #expect(channels.contains { $0["label"] == .string("app") && $0["count"] == .number(1) })
                #expect(t["acquisition"]?["utm_source"]?.arrayValue?.contains { $0["label"] == .string("baidu") && $0["count"] == .number(1) } == true)
                #expect(t["activation"]?["eligible"] == .number(2) && t["activation"]?["count"] == .number(2))
                #expect(t["d1"]?["eligible"] == .number(3) && t["d1"]?["count"] == .number(1))
                #expect(t["d7"]?["eligible"] == .number(2) && t["d7"]?["count"] == .number(1))
                #expect(t["w1"]?["eligible"] == .number(0) && t["w1"]?["rate"] == .null)
                #expect(t["active_profiles"] == .number(3) && t["paying_profiles"] == .number(2))
                #expect(t["revenue"] == .number(180) && t["arpu"] == .number(60) && t["arppu"] == .number(90))
                #expect(t["repeat_rate"] == .number(0.5))
                #expect(t["revenue_by_channel"] == .array([.object(["label": .string("web"), "revenue": .number(180)])]))
                #expect(t["invites"] == .number(1) && t["inviters"] == .number(1) && t["referred"] == .number(1))
                #expect(number(t["viral_coefficient"]).map { abs($0 - 1.0 / 3) < 1e-12 } == true)
                let periods = body["periods"]?.arrayValue ?? []
                #expect(periods.compactMap { number($0["new_profiles"]) } .reduce(0, +) == 3)
                #expect(periods.last?["complete"] == .bool(false))
            }
            for bad in [#"{"period":"year"}"#, #"{"periods":0}"#, #"{"acquisition":["trait:city"]}"#,
                        #"{"activation_days":0}"#, #"{"invite_events":"Invite Sent"}"#, #"{"colour":1}"#,
                        #"{"activation_event":"\"Signed Up\" where"}"#, #"{"end":"2024-02-30"}"#] {
                try await client.execute(uri: "/v1/insights/aarrr", method: .post, headers: [.authorization: server.bearer],
                                         body: ByteBuffer(string: bad)) { r in #expect(r.status == .badRequest, "\(bad)") }
            }
        }
    }

    /// Basket analysis of four orders worked out by hand: {A, B} twice, {A, C}, {B}.
    @Test func basketThroughTheAPI() async throws {
        let server = try await TestServer.make()
        func order(_ n: Int, _ items: [String]) -> String {
            let lines = items.map { #"{"product_id":"\#($0)","name":"商品\#($0)","quantity":1}"# }.joined(separator: ",")
            return #"{"type":"track","userId":"b\#(n)","event":"Order Completed","messageId":"o\#(n)","properties":{"order_id":"\#(n)","products":[\#(lines)]}}"#
        }
        let batch = #"{"batch":[\#([order(1, ["A", "B"]), order(2, ["B", "A", "A"]), order(3, ["A", "C"]), order(4, ["B"])].joined(separator: ","))]}"#
        try await server.app().test(.router) { client in
            try await client.execute(uri: "/v1/batch", method: .post, headers: [.authorization: server.basic],
                                     body: ByteBuffer(string: batch)) { r in #expect(r.status == .ok) }
            let request = #"{"min_support":0.5,"min_confidence":0.5}"#
            let ready = try await server.eventually {
                try await client.execute(uri: "/v1/insights/basket", method: .post, headers: [.authorization: server.bearer],
                                         body: ByteBuffer(string: request)) { r in (try? json(r))?["orders"] == .number(4) }
            }
            #expect(ready)
            try await client.execute(uri: "/v1/insights/basket", method: .post, headers: [.authorization: server.bearer],
                                     body: ByteBuffer(string: request)) { r in
                let body = try json(r)
                #expect(body["min_count"] == .number(2))
                let sets = body["itemsets"]?.arrayValue ?? []
                #expect(sets.count == 1 && sets.first?["count"] == .number(2) && sets.first?["support"] == .number(0.5))
                #expect(sets.first?["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue }.sorted() == ["A", "B"])
                let rules = body["rules"]?.arrayValue ?? []
                #expect(rules.count == 2)
                for rule in rules {
                    #expect(number(rule["confidence"]).map { abs($0 - 2.0 / 3) < 1e-12 } == true)
                    #expect(number(rule["lift"]).map { abs($0 - (2.0 / 3) / 0.75) < 1e-12 } == true)
                    #expect(rule["count"] == .number(2))
                }
                #expect(rules.first?["antecedent"]?.arrayValue?.first?["name"]?.stringValue?.hasPrefix("商品") == true)
            }
            for bad in [#"{"min_support":0}"#, #"{"min_confidence":2}"#, #"{"max_length":1}"#, #"{"from":"2024-05-02","to":"2024-05-01"}"#,
                        #"{"shelf":"top"}"#, #"{"min_support":"lots"}"#] {
                try await client.execute(uri: "/v1/insights/basket", method: .post, headers: [.authorization: server.bearer],
                                         body: ByteBuffer(string: bad)) { r in #expect(r.status == .badRequest, "\(bad)") }
            }
        }
    }

    /// An A/B test's statistics through the API, against their closed forms.
    @Test func experimentStatisticsThroughTheAPI() async throws {
        let server = try await TestServer.make()
        try await server.app().test(.router) { client in
            let body = #"{"control":{"users":1000,"conversions":100,"revenue_mean":10,"revenue_variance":100},"treatment":{"users":1200,"conversions":156,"revenue_mean":11,"revenue_variance":100}}"#
            try await client.execute(uri: "/v1/insights/experiment", method: .post, headers: [.authorization: server.bearer],
                                     body: ByteBuffer(string: body)) { r in
                #expect(r.status == .ok)
                let o = try json(r)
                let pa = 0.1, pb = 0.13, pooled = 256.0 / 2200
                let z = (pb - pa) / (pooled * (1 - pooled) * (1.0 / 1000 + 1.0 / 1200)).squareRoot()
                let c = o["conversion"]
                #expect(number(c?["z"]).map { abs($0 - z) < 1e-9 } == true)
                #expect(number(c?["p_value"]).map { abs($0 - erfc(z / 2.0.squareRoot())) < 1e-9 } == true)
                let se = (pa * (1 - pa) / 1000 + pb * (1 - pb) / 1200).squareRoot()
                let q = 1.959963984540054
                #expect(c?["interval"]?.arrayValue?.compactMap(number).enumerated().allSatisfy { k, x in
                    abs(x - (pb - pa + (k == 0 ? -q : q) * se)) < 1e-9 } == true)
                #expect(number(c?["probability_to_beat_control"]).map { $0 > 0.95 && $0 < 1 } == true)
                // 1000 and 1200 users against a planned half each: χ² = 2 × 100² / 1100.
                let chi = 2 * 100.0 * 100 / 1100
                #expect(number(o["sample_ratio"]?["chi_square"]).map { abs($0 - chi) < 1e-9 } == true)
                #expect(number(o["sample_ratio"]?["p_value"]).map { abs($0 - erfc((chi / 2).squareRoot())) < 1e-9 } == true)
                #expect(o["sample_ratio"]?["mismatch"] == .bool(true))
                let t = 1 / (100.0 / 1000 + 100.0 / 1200).squareRoot()
                #expect(number(o["revenue"]?["t"]).map { abs($0 - t) < 1e-9 } == true)
            }
            let noRevenue = #"{"control":{"users":500,"conversions":50},"treatment":{"users":500,"conversions":50},"planned_shares":[1,1]}"#
            try await client.execute(uri: "/v1/insights/experiment", method: .post, headers: [.authorization: server.bearer],
                                     body: ByteBuffer(string: noRevenue)) { r in
                let o = try json(r)
                #expect(o["revenue"] == .null && o["conversion"]?["z"] == .number(0) && o["sample_ratio"]?["mismatch"] == .bool(false))
            }
            for bad in [#"{"control":{"users":10,"conversions":11},"treatment":{"users":10,"conversions":1}}"#,
                        #"{"control":{"users":0,"conversions":0},"treatment":{"users":10,"conversions":1}}"#,
                        #"{"control":{"users":10,"conversions":1,"revenue_mean":3},"treatment":{"users":10,"conversions":1}}"#,
                        #"{"control":{"users":10,"conversions":1},"treatment":{"users":10,"conversions":1},"confidence":1}"#,
                        #"{"control":{"users":10,"conversions":1}}"#, #"{"control":{"users":10,"conversions":1,"spend":2},"treatment":{"users":10,"conversions":1}}"#] {
                try await client.execute(uri: "/v1/insights/experiment", method: .post, headers: [.authorization: server.bearer],
                                         body: ByteBuffer(string: bad)) { r in #expect(r.status == .badRequest, "\(bad)") }
            }
        }
    }
}
