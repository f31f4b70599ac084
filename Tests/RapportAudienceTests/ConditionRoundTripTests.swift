import RapportCore
import Testing

@testable import RapportAudience

/// Random conditions (of the shapes the parser makes) survive text and JSON.
@Suite struct ConditionRoundTripTests {
    struct Gen {
        var g: SplitMix
        mutating func int(_ n: Int) -> Int { Int(g.next() % UInt64(n)) }
        mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }

        mutating func name() -> String {
            pick(["city", "age", "会员等级", "vip", "rfm", "group", "count", "last", "sum", "and", "not", "did",
                  "in", "has", "a b", "1st", "x.y", "score", "churn", "days", "any", "标签"])
        }
        mutating func path() -> [String] { (0...int(2)).map { _ in name() } }
        mutating func text() -> String {
            pick(["上海", "", "a\"b", "back\\slash", "new\nline", "O'Brien", "Champions", "tab\there", "😀", "x"])
        }
        mutating func number() -> Double { pick([0, 1, -1, 2.5, 1e3, -0.125, 30, 1e20, 123456789]) }
        mutating func time() -> TimeRef {
            switch int(4) {
            case 0: .now
            case 1: .today
            case 2: .ago(Int64(int(1000)), pick(TimeUnit.allCases))
            default: .absolute(Int64(int(2_000_000_000)) * 1000 + Int64(int(1000)))
            }
        }
        mutating func relativeTime() -> TimeRef {
            switch int(3) {
            case 0: .now
            case 1: .today
            default: .ago(Int64(int(1000)), pick(TimeUnit.allCases))
            }
        }
        mutating func literal() -> Literal {
            switch int(4) {
            case 0: .string(text())
            case 1: .number(number())
            case 2: .bool(int(2) == 0)
            default: .time(relativeTime())
            }
        }
        mutating func test() -> ValueTest {
            switch int(11) {
            case 0: .compare(pick(ValueTest.Comparison.allCases), literal())
            case 1: .contains(literal())
            case 2: .startsWith(text())
            case 3: .endsWith(text())
            case 4: .isIn((0...int(3)).map { _ in literal() })
            case 5: .notIn((0...int(3)).map { _ in literal() })
            case 6: .exists
            case 7: .missing
            case 8: .before(time())
            case 9: .after(time())
            default: .between(literal(), literal())
            }
        }
        /// Tests that make sense of a count, sum, average, …
        mutating func numberTest() -> ValueTest {
            switch int(6) {
            case 0: .isIn((0...int(3)).map { _ in .number(number()) })
            case 1: .notIn((0...int(3)).map { _ in .number(number()) })
            case 2: .exists
            case 3: .missing
            case 4: .between(.number(number()), .number(number()))
            default: .compare(pick(ValueTest.Comparison.allCases), .number(number()))
            }
        }
        mutating func timeLiteral() -> Literal {
            if case .absolute(let ms) = time() { return .string(Timestamp.formatISO8601(ms)) }
            return .time(relativeTime())
        }
        /// Tests that make sense of a first or last time.
        mutating func timeTest() -> ValueTest {
            switch int(6) {
            case 0: return .before(time())
            case 1: return .after(time())
            case 2: return .between(timeLiteral(), timeLiteral())
            case 3: return .exists
            case 4: return .missing
            default: return .compare(pick(ValueTest.Comparison.allCases), timeLiteral())
            }
        }
        mutating func span() -> TimeSpan { TimeSpan(Int64(int(500)), pick(TimeUnit.allCases)) }
        mutating func window() -> Window? {
            switch int(5) {
            case 0: .last(span())
            case 1: .between(time(), time())
            case 2: .before(time())
            case 3: .after(time())
            default: nil
            }
        }
        mutating func filter(_ depth: Int) -> EventFilter {
            EventFilter(name: int(4) == 0 ? nil : pick(["Order Completed", "App Opened", "下单", "a \"q\""]),
                        where: int(2) == 0 ? nil : condition(depth + 1, inEvent: true))
        }
        mutating func condition(_ depth: Int, inEvent: Bool = false) -> Condition {
            let leaf = depth >= 3
            switch int(leaf ? 3 : 10) {
            case 0: return .attribute(path: path(), test: test())
            case 1: return inEvent ? .constant(int(2) == 0) : .segment(text())
            case 2: return inEvent ? .attribute(path: path(), test: test()) : .tag(text())
            case 3: return .all((0...int(2) + 1).map { _ in condition(depth + 1, inEvent: inEvent) })
            case 4: return .any((0...int(2) + 1).map { _ in condition(depth + 1, inEvent: inEvent) })
            case 5: return .not(condition(depth + 1, inEvent: inEvent))
            case 6 where !inEvent:
                let aggregate: EventTest.Aggregate = pick([.count, .sum(path()), .average(path()), .minimum(path()),
                                                           .maximum(path()), .distinct(path()), .firstTime, .lastTime])
                let isTime = aggregate == .firstTime || aggregate == .lastTime
                return .events(EventTest(aggregate, of: filter(depth), window: window(),
                                         test: isTime ? timeTest() : numberTest()))
            case 7 where !inEvent:
                return .sequence(SequenceTest(first: filter(depth), second: filter(depth), absent: int(2) == 0,
                                              gap: span(), window: window()))
            default: return .constant(int(2) == 0)
            }
        }
    }

    @Test(arguments: 0..<20)
    func textAndJSONGiveTheSameTree(seed: Int) throws {
        var gen = Gen(g: SplitMix(seed: UInt64(seed) &* 7919 &+ 1))
        for _ in 0..<100 {
            let c = gen.condition(0)
            let text = c.description
            let parsed: Condition
            do {
                parsed = try Condition.parse(text)
            } catch {
                Issue.record("\(error) in\n\(text)")
                continue
            }
            #expect(parsed == c, "\(text)")
            #expect(try Condition(json: c.json) == c, "\(text)")
            // Through serialised JSON bytes too.
            let bytes = c.json.serialized()
            #expect(try Condition(json: JSONValue.parse(bytes)) == c)
        }
    }

    @Test func jsonErrorsSayWhere() {
        let cases: [(String, String)] = [
            (#"{"and": [{"attribute": "city", "op": "=", "value": "x"}, {"attribute": "age", "op": "~"}]}"#, "$.and[1].op"),
            (#"{"or": []}"#, "$"),
            (#"{"events": {"name": 3}, "op": ">=", "value": 1}"#, "$.events.name"),
            (#"{"events": {"name": "A", "where": {"segment": "x"}}, "op": ">=", "value": 1}"#, "$.events.where"),
            (#"{"events": {"name": "A"}, "aggregate": "sum", "op": ">=", "value": 1}"#, "needs a \"property\""),
            (#"{"sequence": {"first": {"name": "A"}, "then": {"name": "B"}, "within": {"amount": -1, "unit": "days"}}}"#, "$.sequence.within"),
            (#"{"attribute": ["a", ""], "op": "exists"}"#, "$.attribute"),
            (#"{"attribute": "a", "op": "before", "value": "soon"}"#, "$.value"),
            (#"[1]"#, "expected an object"),
            (#"{"frobnicate": 1}"#, "expected one of"),
            (#"{"everyone": false}"#, "everyone"),
            (#"{"and": [{"tag": "a"}], "or": [{"tag": "b"}]}"#, "not several"),
            (#"{"not": {"tag": "a"}, "attribute": "x", "op": "exists"}"#, "not several"),
            (#"{"events": {"name": "A"}, "aggregate": 3, "op": "exists"}"#, "$.aggregate"),
            (#"{"attribute": ["a\nb"], "op": "exists"}"#, "line break"),
            (#"{"events": {"name": "A"}, "op": "before", "value": {"time": "now"}}"#, "is a number"),
            (#"{"events": {"name": "A"}, "op": "between", "value": ["2024-01-01", "2024-02-01"]}"#, "is a number"),
            (#"{"attribute": "a", "op": "after", "value": "9999-12-31T23:30:00-01:00"}"#, "not a date"),
        ]
        for (json, words) in cases {
            do {
                let c = try Condition(json: JSONValue.parse(json))
                Issue.record("accepted \(json) as \(c)")
            } catch let e as ConditionError {
                #expect(e.code == .invalidJSON, "\(json)")
                #expect(e.message.contains(words), "\(json): \(e)")
            } catch {
                Issue.record("\(error)")
            }
        }
        var deep: JSONValue = .object(["tag": .string("x")])
        for _ in 0..<100 { deep = .object(["not": deep]) }
        #expect { try Condition(json: deep) } throws: { ($0 as? ConditionError)?.code == .tooComplex }
    }
}
