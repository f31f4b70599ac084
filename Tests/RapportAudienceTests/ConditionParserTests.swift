import Foundation
import RapportCore
import Testing

@testable import RapportAudience

@Suite struct ConditionParserTests {
    func parse(_ s: String) throws -> Condition { try Condition.parse(s) }

    @Test func theIssuesExample() throws {
        let c = try parse("""
            city = "上海" and count "Order Completed" within 30 days >= 2
              and did not "App Opened" within 14 days
            """)
        #expect(c == .all([
            .attribute(path: ["city"], test: .compare(.equal, .string("上海"))),
            .events(EventTest(.count, of: EventFilter(name: "Order Completed"), window: .last(TimeSpan(30, .days)),
                              test: .compare(.greaterOrEqual, .number(2)))),
            .events(.didNot(EventFilter(name: "App Opened"), window: .last(TimeSpan(14, .days)))),
        ]))
    }

    @Test func everyValueTest() throws {
        let cases: [(String, ValueTest)] = [
            ("a != 3", .compare(.notEqual, .number(3))), ("a <> 3", .compare(.notEqual, .number(3))),
            ("a == true", .compare(.equal, .bool(true))), ("a < -2.5", .compare(.less, .number(-2.5))),
            ("a <= 1e3", .compare(.lessOrEqual, .number(1000))), ("a > 0", .compare(.greater, .number(0))),
            ("a contains \"@qq.com\"", .contains(.string("@qq.com"))), ("a contains 5", .contains(.number(5))),
            ("a starts with \"王\"", .startsWith("王")), ("a ends with '.cn'", .endsWith(".cn")),
            ("a in (\"上海\", \"北京\")", .isIn([.string("上海"), .string("北京")])),
            ("a not in (1, 2)", .notIn([.number(1), .number(2)])), ("a exists", .exists), ("a missing", .missing),
            ("a is set", .exists), ("a is not set", .missing), ("a is missing", .missing),
            ("a before 14 days ago", .before(.ago(14, .days))), ("a after today", .after(.today)),
            ("a since now", .after(.now)), ("a before \"2024-01-01\"", .before(.absolute(1_704_067_200_000))),
            ("a between 18 and 30", .between(.number(18), .number(30))),
            ("a > 3 hours ago", .compare(.greater, .time(.ago(3, .hours)))),
            ("a = “上海”", .compare(.equal, .string("上海"))), ("a = 「上海」", .compare(.equal, .string("上海"))),
        ]
        for (text, test) in cases {
            #expect(try parse(text) == .attribute(path: ["a"], test: test), "\(text)")
        }
    }

    @Test func pathsAndNames() throws {
        #expect(try parse("rfm.group = \"Champions\"") == .attribute(path: ["rfm", "group"], test: .compare(.equal, .string("Champions"))))
        #expect(try parse("traits.`会员 等级` >= 3") == .attribute(path: ["traits", "会员 等级"], test: .compare(.greaterOrEqual, .number(3))))
        #expect(try parse("会员等级 = \"金卡\"") == .attribute(path: ["会员等级"], test: .compare(.equal, .string("金卡"))))
        #expect(try parse("`not` = 1") == .attribute(path: ["not"], test: .compare(.equal, .number(1))))
        #expect(try parse("count = 1") == .attribute(path: ["count"], test: .compare(.equal, .number(1))), "a trait named count")
        #expect(try parse("in segment \"高价值\" and has tag \"VIP\"") == .all([.segment("高价值"), .tag("VIP")]))
        #expect(try parse("everyone") == .constant(true))
        #expect(try parse("NOT (a = 1 OR b = 2) AND nobody") == .all([
            .not(.any([.attribute(path: ["a"], test: .compare(.equal, .number(1))),
                       .attribute(path: ["b"], test: .compare(.equal, .number(2)))])), .constant(false)]))
    }

    @Test func eventAggregatesAndWindows() throws {
        let placed = EventFilter(name: "Order Completed")
        #expect(try parse("sum revenue of \"Order Completed\" within 90 days > 1000")
            == .events(EventTest(.sum(["revenue"]), of: placed, window: .last(TimeSpan(90, .days)),
                                 test: .compare(.greater, .number(1000)))))
        #expect(try parse("avg properties.revenue of \"Order Completed\" in last 2 weeks < 50")
            == .events(EventTest(.average(["properties", "revenue"]), of: placed, window: .last(TimeSpan(2, .weeks)),
                                 test: .compare(.less, .number(50)))))
        #expect(try parse("distinct product_id of \"Product Viewed\" between \"2024-01-01\" and \"2024-02-01\" >= 3")
            == .events(EventTest(.distinct(["product_id"]), of: EventFilter(name: "Product Viewed"),
                                 window: .between(.absolute(1_704_067_200_000), .absolute(1_706_745_600_000)),
                                 test: .compare(.greaterOrEqual, .number(3)))))
        #expect(try parse("last \"App Opened\" before 14 days ago")
            == .events(EventTest(.lastTime, of: EventFilter(name: "App Opened"), test: .before(.ago(14, .days)))))
        #expect(try parse("count any event since \"2024-05-01\" = 0")
            == .events(EventTest(.count, of: EventFilter(name: nil), window: .after(.absolute(1_714_521_600_000)),
                                 test: .compare(.equal, .number(0)))))
        let filtered = try parse("count \"Order Completed\" where (revenue > 100 and context.channel = \"app\") within 30 days >= 2 and vip = true")
        guard case .all(let parts) = filtered, case .events(let e)? = parts.first else {
            Issue.record("expected an and of an event test")
            return
        }
        #expect(e.filter.condition == .all([
            .attribute(path: ["revenue"], test: .compare(.greater, .number(100))),
            .attribute(path: ["context", "channel"], test: .compare(.equal, .string("app")))]))
        #expect(parts.count == 2)
    }

    @Test func sequences() throws {
        #expect(try parse("did \"Product Added\" without \"Order Completed\" within 1 day within 7 days")
            == .sequence(SequenceTest(first: EventFilter(name: "Product Added"), second: EventFilter(name: "Order Completed"),
                                      absent: true, gap: TimeSpan(1, .days), window: .last(TimeSpan(7, .days)))))
        #expect(try parse("did \"Signed Up\" then \"Order Completed\" where revenue > 0 within 2 hours")
            == .sequence(SequenceTest(first: EventFilter(name: "Signed Up"),
                                      second: EventFilter(name: "Order Completed",
                                                          where: .attribute(path: ["revenue"], test: .compare(.greater, .number(0)))),
                                      absent: false, gap: TimeSpan(2, .hours))))
        #expect(try parse("did not \"A\" then \"B\" within 1 day") == .not(.sequence(SequenceTest(
            first: EventFilter(name: "A"), second: EventFilter(name: "B"), absent: false, gap: TimeSpan(1, .days)))))
    }

    /// Each bad condition, and the line, column and a word of the message it must give.
    @Test(arguments: [
        ("", 1, 1, "expected a condition"),
        ("city =", 1, 7, "expected a value"),
        ("city = \"上海", 1, 8, "not closed"),
        ("city = \"上海\" and", 1, 16, "expected a condition"),
        ("city = \"上海\"\n  and age >> 3", 2, 12, "expected a value"),
        ("city \"上海\"", 1, 6, "expected an operator"),
        ("(a = 1", 1, 7, "\")\""),
        ("a = 1)", 1, 6, "the end of the condition"),
        ("count \"X\" within 30 >= 2", 1, 21, "minutes, hours"),
        ("count \"X\" within 30days >= 2", 1, 20, "followed by a space"),
        ("did \"A\" then \"B\"", 1, 17, "within"),
        ("a before \"yesterday\"", 1, 10, "not a date"),
        ("a in ()", 1, 7, "expected a value"),
        ("a in (1, 2", 1, 11, "\")\""),
        ("a = 1 ! b", 1, 7, "must be followed by"),
        ("a ~ 1", 1, 3, "cannot appear"),
        ("and = 1", 1, 1, "keyword"),
        ("count \"X\" where did \"Y\" > 1", 1, 17, "where clause"),
        ("a = \"\\u{zz}\"", 1, 6, "not a Unicode character"),
        ("a within 3 days", 1, 3, "expected an operator"),
        ("`` = 1", 1, 1, "empty"),
        ("count \"X\" within -3 days > 1", 1, 18, "whole number"),
    ] as [(String, Int, Int, String)])
    func errorsSayWhereAndWhat(text: String, line: Int, column: Int, words: String) {
        do {
            let c = try Condition.parse(text)
            Issue.record("parsed \(text) as \(c)")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.line == line && error.column == column, "\(text): \(error)")
            #expect(error.message.contains(words), "\(text): \(error)")
            #expect(error.description.hasPrefix("line \(line), column \(column): "))
        }
    }

    @Test func nestingAndLengthAreBounded() {
        let deep = String(repeating: "(", count: 200) + "a = 1" + String(repeating: ")", count: 200)
        #expect { try Condition.parse(deep) } throws: { ($0 as? ConditionError)?.code == .tooComplex }
        let nots = String(repeating: "not ", count: 500) + "a = 1"
        #expect { try Condition.parse(nots) } throws: { ($0 as? ConditionError)?.code == .tooComplex }
        let long = Array(repeating: "a = 1", count: 20_000).joined(separator: " or ")
        #expect { try Condition.parse(long) } throws: { ($0 as? ConditionError)?.code == .tooComplex }
        #expect((try? Condition.parse(String(repeating: "(", count: 60) + "a = 1" + String(repeating: ")", count: 60))) != nil)
    }

    @Test func commentsWhiteSpaceAndFullWidthPunctuation() throws {
        #expect(try parse("# 上海的老客户\ncity\u{3000}in（\"上海\"，\"杭州\"）") == .attribute(
            path: ["city"], test: .isIn([.string("上海"), .string("杭州")])))
    }
}

@Suite struct ConditionDocsTests {
    /// Every example in docs/conditions.md's Examples section parses, and prints back to a text that parses the same.
    @Test func theDocumentedExamplesParse() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/conditions.md").standardized
        let doc = try String(contentsOf: url, encoding: .utf8)
        let section = try #require(doc.components(separatedBy: "## Examples").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```").dropFirst().first)
        var parsed = 0
        for line in block.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let c = try Condition.parse(String(line))
            #expect(try Condition.parse(c.description) == c)
            parsed += 1
        }
        #expect(parsed >= 7)
        // And the one at the top.
        #expect(try Condition.parse("city = \"上海\" and count \"Order Completed\" within 30 days >= 2\n  and did not \"App Opened\" within 14 days") != .constant(false))
    }
}

@Suite struct SegmentReferencesTests {
    @Test func referencesComeFirstAndCyclesAreRefused() throws {
        let defs: [String: Condition] = [
            "a": try Condition.parse(#"in segment "b" and not in segment "c""#),
            "b": try Condition.parse(#"count "Order Completed" where (revenue > 5) >= 1 or in segment "c""#),
            "c": try Condition.parse("vip = true"),
        ]
        let order = try SegmentReferences.evaluationOrder(defs)
        #expect(order.count == 3)
        #expect(try #require(order.firstIndex(of: "c")) < #require(order.firstIndex(of: "b")))
        #expect(try #require(order.firstIndex(of: "b")) < #require(order.firstIndex(of: "a")))

        var cyclic = defs
        cyclic["c"] = try Condition.parse(#"vip = true and in segment "a""#)
        #expect { try SegmentReferences.evaluationOrder(cyclic) } throws: { e in
            guard let e = e as? ConditionError else { return false }
            return e.code == .cycle && e.message.contains("\"a\" → \"b\" → \"c\" → \"a\"")
        }
        #expect { try SegmentReferences.evaluationOrder(["self": .segment("self")]) } throws: {
            ($0 as? ConditionError)?.code == .cycle
        }
        var chain: [String: Condition] = ["s0": .constant(true)]
        for i in 1...1_000 { chain["s\(i)"] = .segment("s\(i - 1)") }
        #expect { try SegmentReferences.evaluationOrder(chain) } throws: { ($0 as? ConditionError)?.code == .tooComplex }
        chain = chain.filter { Int($0.key.dropFirst()) ?? 0 < 200 }
        #expect(try SegmentReferences.evaluationOrder(chain).first == "s0")
        #expect { try SegmentReferences.evaluationOrder(["x": .segment("nope")]) } throws: { e in
            (e as? ConditionError)?.code == .unknownSegment && "\(e)".contains("nope")
        }
    }
}
