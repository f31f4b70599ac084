import RapportCore
import Testing

@testable import RapportAudience

@Suite struct ComputedTraitTests {
    static let day: Int64 = 86_400_000
    /// 2024-03-01T00:00:00Z
    static let now: Int64 = 1_709_251_200_000

    func value(_ text: String, _ subject: TestSubject) throws -> JSONValue? {
        try ComputedTrait(name: "t", text: text).expression.value(for: subject, now: Self.now)
    }

    let shopper = TestSubject(history: [
        SubjectEvent(name: "Product Viewed", time: now - 40 * day, properties: ["category": "书", "product_id": "p1"]),
        SubjectEvent(name: "Product Viewed", time: now - 20 * day, properties: ["category": "服饰", "product_id": "p2"]),
        SubjectEvent(name: "Product Viewed", time: now - 10 * day, properties: ["category": "书", "product_id": "p1"]),
        SubjectEvent(name: "Product Viewed", time: now - 5 * day, properties: ["category": "服饰", "product_id": .null]),
        SubjectEvent(name: "Order Completed", time: now - 35 * day, properties: ["revenue": .number(120), "payment_method": .null]),
        SubjectEvent(name: "Order Completed", time: now - 3 * day, properties: ["revenue": "80.5", "payment_method": "alipay"]),
        SubjectEvent(name: "Order Completed", time: now - 1 * day, properties: ["revenue": "n/a"],
                     context: ["campaign": ["source": "douyin"]]),
    ])

    @Test func figuresOfEvents() throws {
        #expect(try value(#"sum revenue of "Order Completed""#, shopper) == .number(200.5))
        #expect(try value(#"count "Order Completed" within 30 days"#, shopper) == .number(2))
        #expect(try value(#"avg revenue of "Order Completed""#, shopper) == .number(100.25), "n/a has no number: left out")
        #expect(try value(#"max revenue of "Order Completed" within 30 days"#, shopper) == .number(80.5))
        #expect(try value(#"distinct product_id of "Product Viewed""#, shopper) == .number(2), "null is no value")
        #expect(try value(#"last "Order Completed""#, shopper) == .string(Timestamp.formatISO8601(Self.now - Self.day)))
        #expect(try value(#"first "Order Completed" where revenue > 100"#, shopper)
            == .string(Timestamp.formatISO8601(Self.now - 35 * Self.day)))
    }

    @Test func valuesOfProperties() throws {
        // Two each: the tie goes to the one seen last.
        #expect(try value(#"most frequent category of "Product Viewed""#, shopper) == "服饰")
        #expect(try value(#"most frequent category of "Product Viewed" before 8 days ago"#, shopper) == "书")
        #expect(try value(#"first value payment_method of "Order Completed""#, shopper) == "alipay", "null skipped")
        #expect(try value(#"last value payment_method of "Order Completed""#, shopper) == "alipay", "missing skipped")
        #expect(try value("first value context.campaign.source of any event", shopper) == "douyin")
    }

    @Test func noEventsMeansNoValueExceptForCountsAndSums() throws {
        let nobody = TestSubject()
        #expect(try value(#"count "Order Completed""#, nobody) == .number(0))
        #expect(try value(#"sum revenue of "Order Completed""#, nobody) == .number(0))
        #expect(try value(#"avg revenue of "Order Completed""#, nobody) == nil)
        #expect(try value(#"last "Order Completed""#, nobody) == nil)
        #expect(try value(#"most frequent category of "Product Viewed""#, nobody) == nil)
        #expect(try value(#"first value category of any event"#, nobody) == nil)
    }

    @Test func textFormRoundTrips() throws {
        for text in [
            #"sum revenue of "Order Completed""#,
            #"count "Order Completed" where (revenue > 100 and context.channel = "app") within 30 days"#,
            #"most frequent category of "Product Viewed" within 90 days"#,
            "first value context.campaign.source of any event",
            #"last value `会员 等级` of "Profile Updated" after "2024-01-01""#,
            #"distinct product_id of "Order Completed" between "2024-01-01" and "2024-02-01""#,
            #"last "App Opened""#,
        ] {
            let e = try ComputedTrait(name: "t", text: text).expression
            let again = try ComputedTrait(name: "t", text: e.description).expression
            #expect(again == e, "\(text) → \(e.description)")
        }
    }

    @Test func badExpressionsSayWhereAndWhat() {
        func error(_ text: String) -> ConditionError? {
            do {
                _ = try ComputedTrait(name: "t", text: text)
                return nil
            } catch {
                return error
            }
        }
        let missingFigure = error(#""Order Completed""#)
        #expect(missingFigure?.column == 1)
        #expect(missingFigure?.expected.contains("most frequent P of") == true)
        let trailing = error(#"count "Order Completed" > 2"#)
        #expect(trailing?.code == .syntax)
        #expect(trailing?.column == 25)
        #expect(trailing?.expected == ["a window", "the end of the expression"])
        #expect(error(#"most frequent of "X""#)?.column == 15, "a property is expected after most frequent")
        #expect(error("") != nil)
    }

    @Test func pathsReadAreCollected() throws {
        let e = try ComputedTrait(
            name: "t", text: #"sum properties.revenue of "Order Completed" where context.channel = "app""#).expression
        #expect(e.eventPathsReferred == [.properties(["revenue"]), .context(["channel"])])
        let c = try Condition.parse(#"did "A" where event = "A" then any event where not sku in ("x") within 1 day and age > 3"#)
        #expect(c.eventPathsReferred == [.properties(["sku"])], "event is the name; age is a trait")
    }
}
