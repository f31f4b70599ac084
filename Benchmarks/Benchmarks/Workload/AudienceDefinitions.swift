/// The definitions of the audience benchmarks: 50 segments of the kinds
/// operators write (activity, value, baskets, channels, attributes,
/// sequences, references), with variants of windows and thresholds as real
/// workspaces accumulate them, and 20 computed traits. Segments come after
/// the segments and traits they refer to.
public enum AudienceDefinitions {
    public static let segments: [(name: String, text: String)] = {
        var texts: [(name: String, text: String)] = [
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
        return texts
    }()

    public static let traits: [(name: String, text: String)] = [
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
}
