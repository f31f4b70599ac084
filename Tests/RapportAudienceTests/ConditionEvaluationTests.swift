import RapportCore
import Testing

@testable import RapportAudience

/// A profile for tests: traits, tags, segments and events.
struct TestSubject: ConditionSubject {
    var traits: [String: JSONValue] = [:]
    var tags: Set<String> = []
    var segments: Set<String> = []
    var history: [SubjectEvent] = []

    func attribute(_ path: [String]) -> JSONValue? { SubjectEvent.lookup(.object(traits), path[...]) }
    func hasTag(_ tag: String) -> Bool { tags.contains(tag) }
    func isInSegment(_ name: String) -> Bool { segments.contains(name) }
    func events(named name: String?) -> [SubjectEvent] {
        history.filter { name == nil || $0.name == name }.sorted { $0.time < $1.time }
    }
}

@Suite struct ConditionEvaluationTests {
    static let day: Int64 = 86_400_000
    /// 2024-03-01T00:00:00Z
    static let now: Int64 = 1_709_251_200_000

    func check(_ text: String, _ subject: TestSubject, now: Int64 = now) throws -> Bool {
        try Condition.parse(text).matches(subject, now: now)
    }

    let shanghai = TestSubject(
        traits: ["city": "上海", "age": .number(34), "age_text": "42", "vip": .bool(true), "email": "li@qq.com",
                 "nickname": "小李", "last_seen": "2024-02-10T08:00:00Z", "interests": .array(["jazz", .number(7)]),
                 "huge": .number(1.7e308), "nothing": .null,
                 "rfm": .object(["r": .number(5), "group": "Champions"]), "cafe": "caf\u{E9}"],
        tags: ["VIP"], segments: ["高价值"],
        history: [
            SubjectEvent(name: "Order Completed", time: now - 40 * day, properties: ["revenue": .number(100), "sku": "a"]),
            SubjectEvent(name: "Order Completed", time: now - 20 * day, properties: ["revenue": "250.5", "sku": "b"],
                         context: ["channel": "app"]),
            SubjectEvent(name: "Order Completed", time: now - 2 * day, properties: ["revenue": .number(50), "sku": "a"]),
            SubjectEvent(name: "App Opened", time: now - 16 * day),
            SubjectEvent(name: "Product Added", time: now - 10 * day),
            SubjectEvent(name: "Product Added", time: now - 3 * day),
            SubjectEvent(name: "Order Completed", time: now - 3 * day + 3_600_000, properties: ["revenue": .number(1)]),
            SubjectEvent(name: "Product Added", time: now - 3_600_000),
        ])

    @Test func traitComparisons() throws {
        let s = shanghai
        let yes = [
            #"city = "上海""#, #"city != "北京""#, #"city in ("北京", "上海")"#, #"city not in ("北京")"#,
            "age >= 34", "age < 34.5", "age between 30 and 34", "age_text > 40", #"age_text > "5""#, "age_text = 42", "vip = true",
            #"vip = "true""#, #"email contains "@qq.com""#, #"email ends with ".com""#, #"nickname starts with "小""#,
            "last_seen before 14 days ago", "last_seen after 30 days ago", #"last_seen after "2024-02-01""#,
            #"last_seen between "2024-02-10" and "2024-02-11""#, #"last_seen < "2024-02-11""#,
            #"interests contains "jazz""#, "interests contains 7", "huge > 1e300", "nothing missing", "absent missing",
            "absent != 3", #"absent not in ("x")"#, #"rfm.group = "Champions""#, "rfm.r >= 4", "city exists",
            #"cafe = "cafe\u{301}""#, "has tag \"VIP\"", "in segment \"高价值\"", "not has tag \"churned\"", "everyone",
        ]
        for text in yes { #expect(try check(text, s), "\(text)") }
        let no = [
            #"city = "北京""#, "age > 34", "age between 35 and 40", #"age = "thirty""#, #"age_text < "5""#,
            "vip = false", "absent = 3", "absent < 3", "absent exists", "nothing exists", "nothing = 0",
            #"email contains 3"#, "city > 3", "vip > 0", #"last_seen before "2024-02-10""#,
            #"last_seen between "2024-02-10T08:00:00.001Z" and "2024-03-01""#, "age before 3 days ago",
            "huge > 1.7e308", #"interests = "jazz""#, "nobody", #"in segment "other""#,
        ]
        for text in no { #expect(try !check(text, s), "\(text)") }
    }

    @Test func eventAggregates() throws {
        let s = shanghai
        let yes = [
            #"count "Order Completed" >= 4"#, #"count "Order Completed" within 30 days = 3"#,
            #"count "Order Completed" within 30 days between 2 and 3"#,
            #"count "Order Completed" where revenue >= 100 = 2"#,
            #"count "Order Completed" where context.channel = "app" = 1"#,
            #"count "Order Completed" where (sku = "a" or sku = "b") within 30 days = 2"#,
            #"sum revenue of "Order Completed" = 401.5"#, #"sum revenue of "Order Completed" within 7 days = 51"#,
            #"avg revenue of "Order Completed" where revenue > 2 = 133.5"#, #"min revenue of "Order Completed" = 1"#,
            #"max properties.revenue of "Order Completed" = 250.5"#, #"distinct sku of "Order Completed" = 2"#,
            #"first "Order Completed" before 30 days ago"#, #"last "Order Completed" after 7 days ago"#,
            #"last "App Opened" before 14 days ago"#, #"did not "App Opened" within 14 days"#,
            #"did "App Opened" within 30 days"#, #"count any event = 8"#,
            #"count any event between "2024-02-01" and "2024-02-20" = 2"#, #"count "Signed Up" = 0"#,
            #"sum revenue of "Signed Up" = 0"#, #"avg revenue of "Signed Up" missing"#, #"last "Signed Up" missing"#,
        ]
        for text in yes { #expect(try check(text, s), "\(text)") }
        let no = [
            #"avg revenue of "Signed Up" > 0"#, #"avg revenue of "Signed Up" <= 0"#, #"last "Signed Up" before now"#,
            #"did "App Opened" within 14 days"#, #"count "Order Completed" within 1 days >= 1"#,
        ]
        for text in no { #expect(try !check(text, s), "\(text)") }
    }

    @Test func sequences() throws {
        let s = shanghai
        // Added at −10d: no order within a day after → abandoned. Added at −3d: an order 1 hour later.
        #expect(try check(#"did "Product Added" without "Order Completed" within 1 day"#, s))
        #expect(try check(#"did "Product Added" then "Order Completed" within 2 hours"#, s))
        #expect(try !check(#"did "Product Added" then "Order Completed" within 30 minutes"#, s))
        // Only the last 5 days: the −3d cart was bought, the −1h one's day has not passed yet.
        #expect(try !check(#"did "Product Added" without "Order Completed" within 1 day within 5 days"#, s))
        // …but an hour later than that, it has been an hour: abandoned within 30 minutes.
        #expect(try check(#"did "Product Added" without "Order Completed" within 30 minutes within 5 days"#, s))
        #expect(try !check(#"did "App Opened" then "Order Completed" within 1 day"#, s))
        #expect(try check(#"did not "App Opened" then "Order Completed" within 1 day"#, s))
    }

    @Test func anEventIsNeverItsOwnSuccessor() throws {
        var s = TestSubject()
        s.history = [SubjectEvent(name: "View", time: Self.now - 10 * Self.day)]
        #expect(try !check(#"did "View" then "View" within 1 day"#, s))
        #expect(try check(#"did "View" without "View" within 1 day"#, s))
        s.history.append(SubjectEvent(name: "View", time: Self.now - 10 * Self.day))  // the same moment, a second event
        #expect(try check(#"did "View" then "View" within 1 day"#, s))
        #expect(try check(#"did "View" without "View" within 1 day"#, s), "the second view has no successor")
    }

    @Test func numbersInTextCompareAsNumbers() throws {
        let s = TestSubject(traits: ["zip": "10", "hex": "0x2A", "spaced": " 7 "])
        #expect(try check(#"zip > "9""#, s))
        #expect(try check("zip = 10", s))
        #expect(try !check("hex = 42", s))
        #expect(try check("spaced = 7", s))
        #expect(try check(#"hex > "0x1""#, s), "texts that are not decimal numbers compare as text")
    }

    @Test func firstAndLastWithoutATestMeanThereIsOne() throws {
        #expect(try check(#"last "App Opened" within 30 days"#, shanghai))
        #expect(try !check(#"last "App Opened" within 7 days"#, shanghai))
        #expect(try check(#"first "Order Completed""#, shanghai))
        #expect(try check(#"last "Order Completed" between "2024-02-01" and "2024-02-29""#, shanghai))
        #expect(try !check(#"last "Order Completed" between "2024-02-01" and "2024-02-28""#, shanghai),
                "the last order is at midnight on the 28th, the end excluded")
        let c = try Condition.parse(#"last "Order Completed" between "2024-02-01" and now"#)
        #expect(c == .events(EventTest(.lastTime, of: EventFilter(name: "Order Completed"),
                                       test: .between(.string("2024-02-01"), .time(.now)))))
    }

    @Test func oddDataNeverTraps() throws {
        var s = TestSubject()
        s.traits = ["n": .number(.greatestFiniteMagnitude), "neg": .number(-.greatestFiniteMagnitude),
                    "s": .string(String(repeating: "9", count: 400)), "o": .object(["a": .array([])])]
        s.history = [
            SubjectEvent(name: "X", time: .min, properties: ["v": .number(.greatestFiniteMagnitude)]),
            SubjectEvent(name: "X", time: .max, properties: ["v": .number(.greatestFiniteMagnitude)]),
            SubjectEvent(name: "X", time: 0, properties: ["v": .array([.null])]),
        ]
        let texts = [
            "n > 1", "neg < 0", "s > 1", "o.a.b exists", "o.a contains 1", #"sum v of "X" > 0"#, #"avg v of "X" > 0"#,
            #"count "X" within 1000000000000 years > 0"#, #"did "X" then "X" within 1000000000000 years"#,
            #"did "X" without "Y" within 1000000000000 years"#, "n before 1000000000000 years ago",
            #"last "X" after 1000000000000 years ago"#, #"count "X" between 1000000000000 years ago and now >= 1"#,
            "n after today", #"count "X" since today >= 0"#, #"did "X" without "X" within 1000000000000 years since today"#,
        ]
        for t in texts {
            for now in [Int64.min, 0, Self.now, .max] { _ = try check(t, s, now: now) }
        }
        #expect(try check(#"sum v of "X" > 1e308"#, s), "the sum overflows to infinity and stays comparable")
        #expect(try check("n > 1", s))
    }

    @Test(arguments: 0..<5)
    func notAndDeMorganHoldOnRandomConditions(seed: Int) throws {
        var gen = ConditionRoundTripTests.Gen(g: SplitMix(seed: UInt64(seed) &+ 1_000))
        for _ in 0..<200 {
            let a = gen.condition(1), b = gen.condition(1)
            let left = Condition.not(.all([a, b])).matches(shanghai, now: Self.now)
            let right = Condition.any([.not(a), .not(b)]).matches(shanghai, now: Self.now)
            #expect(left == right)
            #expect(Condition.not(.not(a)).matches(shanghai, now: Self.now) == a.matches(shanghai, now: Self.now))
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
