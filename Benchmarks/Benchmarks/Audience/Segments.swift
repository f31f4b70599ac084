import Foundation
import RapportAudience
import RapportCore
import RapportDemo
import RapportIngest

/// A demo workspace's audience at scale: every message of the demo generator
/// (seed 7, 180 days) decoded as `/v1/batch` would, appended to one
/// ``AudienceIndex`` under its person (the profile identity resolution gives
/// it), with each person's traits from their `identify` calls; 50 segments
/// and 20 computed traits defined.
struct AudienceWorkload: @unchecked Sendable {
    var audience: Audience
    var views: [AudienceProfile]
    var messages: Int
    /// The end of the generated history: conditions are evaluated an hour later.
    var now: Int64
    /// Resident memory before building and after (bytes).
    var residentBefore: Int
    var residentAfter: Int

    static let customers = ProcessInfo.processInfo.environment["RAPPORT_BENCH_CUSTOMERS"].flatMap(Int.init) ?? 1_000_000

    /// Built once per process.
    static let shared: AudienceWorkload = build(customers: customers)

    static func build(customers: Int) -> AudienceWorkload {
        let before = residentBytes()
        var audience = Audience()
        do {
            try audience.define(segments: segments(), traits: traits())
        } catch {
            fatalError("benchmark definitions: \(error)")
        }
        let keep: Set<String> = ["city", "member_level", "gender", "age", "occupation"]
        var traits = [[String: JSONValue]](repeating: [:], count: customers)
        var firstSeen = [Int64](repeating: .max, count: customers)
        var lastSeen = [Int64](repeating: .min, count: customers)
        let decoder = MessageDecoder()
        let config = DemoConfig(customers: customers, days: 180, seed: 7)
        var messages = 0
        DemoGenerator(config: config).generate { m in
            guard let message = try? decoder.decodeLine(m.json, receivedAt: m.timestamp), m.customer < customers else { return }
            messages += 1
            let c = m.customer
            if message.type == .identify {
                for (k, v) in message.traits where keep.contains(k) { traits[c][k] = v }
            }
            firstSeen[c] = min(firstSeen[c], message.timestamp)
            lastSeen[c] = max(lastSeen[c], message.timestamp)
            let (properties, context) = EventBody.propertiesAndContext(message)
            audience.index.append(profile: ProfileID(Int64(c + 1)), name: message.displayName, time: message.timestamp,
                                  properties: properties, context: context)
        }
        var views: [AudienceProfile] = []
        views.reserveCapacity(customers)
        for c in 0..<customers where firstSeen[c] != .max {
            let id = ProfileID(Int64(c + 1))
            views.append(AudienceProfile(id: id, members: [id], traits: traits[c], attributes: [
                "first_seen": .string(Timestamp.formatISO8601(firstSeen[c])),
                "last_seen": .string(Timestamp.formatISO8601(lastSeen[c])),
            ]))
        }
        let after = residentBytes()
        return AudienceWorkload(audience: audience, views: views, messages: messages, now: config.endMillis + 3_600_000,
                                residentBefore: before, residentAfter: after)
    }

    /// The 50 segments: the kinds operators write (activity, value, baskets,
    /// channels, attributes, sequences, references), with variants of windows
    /// and thresholds as real workspaces accumulate them.
    static func segments() throws -> [SegmentDefinition] {
        var texts: [(String, String)] = [
            ("app_recent", #"did "Application Opened" within 30 days"#),
            ("two_orders", #"count "Order Completed" within 60 days >= 2"#),
            ("big_spenders", #"sum revenue of "Order Completed" > 800"#),
            ("wallets", #"count "Order Completed" where payment_method in ("alipay", "wechat_pay") >= 1"#),
            ("browsing_not_buying", #"did "Product Viewed" within 14 days and did not "Order Completed" within 30 days"#),
            ("cart_abandoners", #"did "Product Added" without "Order Completed" within 1 day within 45 days"#),
            ("viewed_then_bought", #"did "Product Viewed" then "Order Completed" within 2 days"#),
            ("shanghai", #"city = "上海""#),
            ("mini_program", #"did any event where context.library.name = "analytics-wechat-miniprogram""#),
            ("curious", #"distinct category of "Product Viewed" >= 3"#),
            ("ordered_lately", "last \"Order Completed\" after 20 days ago"),
            ("big_and_app", #"in segment "big_spenders" and in segment "app_recent""#),
            ("small_buyers", #"not in segment "big_spenders" and did "Order Completed""#),
            ("valuable_now", "lifetime_revenue >= 300 and orders_30d >= 1"),
            ("pricey_taste", #"avg price of "Product Viewed" where (currency = "CNY" and price > 0) > 300"#),
            ("old_timers", "first_seen before 40 days ago and traits.member_level exists"),
            ("apparel_fans", #"favourite_category = "服饰" or last_payment = "huabei""#),
            ("silent_14", "last_seen before 14 days ago"),
            ("silent_30", "last_seen before 30 days ago"),
            ("gold", #"member_level in ("金卡会员", "钻石会员")"#),
            ("women_shanghai", #"gender = "female" and city = "上海""#),
            ("young", "age < 30"),
            ("searchers", #"count "Products Searched" within 7 days >= 3"#),
            ("refunded", #"did "Order Refunded" within 90 days"#),
            ("coupon_users", #"did "Coupon Applied" within 60 days"#),
            ("checkout_drop", #"did "Checkout Started" without "Order Completed" within 2 hours within 30 days"#),
            ("referrers", #"did "Referral Sent" or did "Invite Sent""#),
            ("store_buyers", #"did "Order Completed" where store_id exists"#),
            ("app_buyers", #"did "Order Completed" where affiliation = "悦购App" within 90 days"#),
            ("high_aov", "aov > 400"),
            ("one_timers", #"count "Order Completed" = 1"#),
            ("new_buyers", #"first "Order Completed" after 30 days ago"#),
            ("whales", "lifetime_revenue > 3000"),
            ("at_risk_buyers", #"did "Order Completed" and did not "Order Completed" within 60 days"#),
        ]
        for days in [3, 7, 60, 90] {
            texts.append(("app_\(days)d", "did \"Application Opened\" within \(days) days"))
        }
        for n in [2, 3, 5, 8] {
            texts.append(("orders_\(n)plus", "count \"Order Completed\" >= \(n)"))
        }
        for amount in [200, 500, 1500, 5000] {
            texts.append(("spent_\(amount)", "sum revenue of \"Order Completed\" within 180 days > \(amount)"))
        }
        for days in [7, 30] {
            texts.append(("viewers_\(days)d", "count \"Product Viewed\" within \(days) days >= 5"))
        }
        texts.append(("viewed_many", #"products_viewed >= 10 and not in segment "two_orders""#))
        texts.append(("lapsed_vip", #"in segment "gold" and in segment "silent_30""#))
        precondition(texts.count == 50, "\(texts.count) segments")
        return try texts.map { SegmentDefinition(name: $0.0, condition: try Condition.parse($0.1)) }
    }

    static func traits() throws -> [ComputedTrait] {
        let texts: [(String, String)] = [
            ("lifetime_revenue", #"sum revenue of "Order Completed""#),
            ("orders_30d", #"count "Order Completed" within 30 days"#),
            ("aov", #"avg revenue of "Order Completed""#),
            ("favourite_category", #"most frequent category of "Product Viewed""#),
            ("first_campaign", "first value context.campaign.source of any event"),
            ("last_payment", #"last value payment_method of "Order Completed""#),
            ("products_viewed", #"distinct product_id of "Product Viewed""#),
            ("last_order", #"last "Order Completed""#),
            ("first_order", #"first "Order Completed""#),
            ("orders", #"count "Order Completed""#),
            ("refunds", #"count "Order Refunded""#),
            ("revenue_90d", #"sum revenue of "Order Completed" within 90 days"#),
            ("max_order", #"max revenue of "Order Completed""#),
            ("min_order", #"min revenue of "Order Completed""#),
            ("searches_30d", #"count "Products Searched" within 30 days"#),
            ("app_opens_30d", #"count "Application Opened" within 30 days"#),
            ("last_app_open", #"last "Application Opened""#),
            ("favourite_payment", #"most frequent payment_method of "Order Completed""#),
            ("first_channel", "first value context.library.name of any event"),
            ("categories_bought", #"distinct category of "Product Added""#),
        ]
        return try texts.map { try ComputedTrait(name: $0.0, text: $0.1) }
    }
}

/// The process's resident memory (Linux `/proc/self/statm`), in bytes; 0 elsewhere.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
