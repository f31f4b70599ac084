import RapportCore

/// The JSON form of a condition: the same tree as the text, for the API.
///
/// ```json
/// {"and": [
///   {"attribute": ["city"], "op": "=", "value": "上海"},
///   {"events": {"name": "Order Completed"}, "aggregate": "count",
///    "window": {"within": {"amount": 30, "unit": "days"}}, "op": ">=", "value": 2}
/// ]}
/// ```
/// `docs/conditions.md` lists every node.
extension Condition {
    public var json: JSONValue { ConditionJSON.encode(self) }

    /// Reads the JSON form. Throws ``ConditionError`` (code `condition_json`)
    /// naming where in the document the problem is (`$.and[1].op`).
    public init(json: JSONValue) throws(ConditionError) {
        var decoder = ConditionJSON.Decoder()
        self = try decoder.condition(json, at: "$")
    }
}

enum ConditionJSON {
    static func encode(_ c: Condition) -> JSONValue {
        switch c {
        case .all(let cs): return .object(["and": .array(cs.map(encode))])
        case .any(let cs): return .object(["or": .array(cs.map(encode))])
        case .not(let inner): return .object(["not": encode(inner)])
        case .constant(let b): return .object([b ? "everyone" : "nobody": .bool(true)])
        case .attribute(let path, let test):
            var o = encode(test)
            o["attribute"] = .array(path.map(JSONValue.string))
            return .object(o)
        case .events(let e):
            var o = encode(e.test)
            o["events"] = encode(e.filter)
            switch e.aggregate {
            case .count: o["aggregate"] = .string("count")
            case .sum(let p): o["aggregate"] = .string("sum"); o["property"] = .array(p.map(JSONValue.string))
            case .average(let p): o["aggregate"] = .string("avg"); o["property"] = .array(p.map(JSONValue.string))
            case .minimum(let p): o["aggregate"] = .string("min"); o["property"] = .array(p.map(JSONValue.string))
            case .maximum(let p): o["aggregate"] = .string("max"); o["property"] = .array(p.map(JSONValue.string))
            case .distinct(let p): o["aggregate"] = .string("distinct"); o["property"] = .array(p.map(JSONValue.string))
            case .firstTime: o["aggregate"] = .string("first")
            case .lastTime: o["aggregate"] = .string("last")
            }
            if let w = e.window { o["window"] = encode(w) }
            return .object(o)
        case .sequence(let s):
            var o: [String: JSONValue] = ["first": encode(s.first), s.absent ? "without" : "then": encode(s.second),
                                          "within": encode(s.gap)]
            if let w = s.window { o["window"] = encode(w) }
            return .object(["sequence": .object(o)])
        case .segment(let s): return .object(["segment": .string(s)])
        case .tag(let t): return .object(["tag": .string(t)])
        }
    }

    static func encode(_ f: EventFilter) -> JSONValue {
        var o: [String: JSONValue] = ["name": f.name.map(JSONValue.string) ?? .null]
        if let c = f.condition { o["where"] = encode(c) }
        return .object(o)
    }

    static func encode(_ w: Window) -> JSONValue {
        switch w {
        case .last(let s): .object(["within": encode(s)])
        case .between(let a, let b): .object(["between": .array([encode(a), encode(b)])])
        case .before(let t): .object(["before": encode(t)])
        case .after(let t): .object(["after": encode(t)])
        }
    }

    static func encode(_ s: TimeSpan) -> JSONValue {
        .object(["amount": .number(Double(s.amount)), "unit": .string(s.unit.rawValue)])
    }

    static func encode(_ t: TimeRef) -> JSONValue {
        switch t {
        case .absolute(let ms): .string(Timestamp.formatISO8601(ms))
        case .ago(let n, let unit): .object(["ago": .number(Double(n)), "unit": .string(unit.rawValue)])
        case .now: .object(["time": .string("now")])
        case .today: .object(["time": .string("today")])
        }
    }

    static func encode(_ l: Literal) -> JSONValue {
        switch l {
        case .string(let s): .string(s)
        case .number(let n): .number(n)
        case .bool(let b): .bool(b)
        case .time(let t): encode(t)
        }
    }

    static func encode(_ test: ValueTest) -> [String: JSONValue] {
        switch test {
        case .compare(let op, let l): ["op": .string(op.rawValue), "value": encode(l)]
        case .contains(let l): ["op": .string("contains"), "value": encode(l)]
        case .startsWith(let s): ["op": .string("starts_with"), "value": .string(s)]
        case .endsWith(let s): ["op": .string("ends_with"), "value": .string(s)]
        case .isIn(let l): ["op": .string("in"), "value": .array(l.map(encode))]
        case .notIn(let l): ["op": .string("not_in"), "value": .array(l.map(encode))]
        case .exists: ["op": .string("exists")]
        case .missing: ["op": .string("missing")]
        case .before(let t): ["op": .string("before"), "value": encode(t)]
        case .after(let t): ["op": .string("after"), "value": encode(t)]
        case .between(let a, let b): ["op": .string("between"), "value": .array([encode(a), encode(b)])]
        }
    }

    /// Reads the JSON form, keeping track of depth.
    struct Decoder {
        var depth = 0

        func fail(_ at: String, _ message: String) -> ConditionError {
            ConditionError(.invalidJSON, "at \(at): \(message)")
        }

        mutating func condition(_ v: JSONValue, at: String) throws(ConditionError) -> Condition {
            depth += 1
            defer { depth -= 1 }
            guard depth <= ConditionParser.maxDepth else {
                throw ConditionError(.tooComplex, "at \(at): nested more than \(ConditionParser.maxDepth) levels deep")
            }
            guard let o = v.objectValue else { throw fail(at, "expected an object") }
            let kinds = Self.kinds.filter { o[$0] != nil }
            guard kinds.count <= 1 else {
                throw fail(at, "a node has one of \(kinds.joined(separator: ", ")), not several")
            }
            if let list = o["and"] ?? o["or"] {
                guard let items = list.arrayValue, !items.isEmpty else { throw fail(at, "expected a non-empty array") }
                let key = o["and"] != nil ? "and" : "or"
                var cs: [Condition] = []
                for (i, item) in items.enumerated() { cs.append(try condition(item, at: "\(at).\(key)[\(i)]")) }
                if cs.count == 1, let only = cs.first { return only }
                return key == "and" ? .all(cs) : .any(cs)
            }
            if let inner = o["not"] { return .not(try condition(inner, at: at + ".not")) }
            if let e = o["everyone"] ?? o["nobody"] {
                guard e == .bool(true) else { throw fail(at, "expected {\"everyone\": true} or {\"nobody\": true}") }
                return .constant(o["everyone"] != nil)
            }
            if let s = o["segment"] {
                guard let name = s.stringValue else { throw fail(at + ".segment", "expected a segment name") }
                return .segment(name)
            }
            if let t = o["tag"] {
                guard let name = t.stringValue else { throw fail(at + ".tag", "expected a tag") }
                return .tag(name)
            }
            if let p = o["attribute"] {
                return .attribute(path: try path(p, at: at + ".attribute"), test: try test(o, at: at))
            }
            if let f = o["events"] {
                let filter = try self.filter(f, at: at + ".events")
                let aggregate: EventTest.Aggregate
                let name: String
                switch o["aggregate"] {
                case nil: name = "count"
                case .string(let s)?: name = s
                default: throw fail(at + ".aggregate", "expected count, sum, avg, min, max, distinct, first or last")
                }
                switch name {
                case "count": aggregate = .count
                case "first": aggregate = .firstTime
                case "last": aggregate = .lastTime
                case "sum", "avg", "min", "max", "distinct":
                    guard let pv = o["property"] else { throw fail(at, "\"\(name)\" needs a \"property\"") }
                    let p = try path(pv, at: at + ".property")
                    aggregate = switch name {
                    case "sum": .sum(p)
                    case "avg": .average(p)
                    case "min": .minimum(p)
                    case "max": .maximum(p)
                    default: .distinct(p)
                    }
                default:
                    throw fail(at + ".aggregate", "expected count, sum, avg, min, max, distinct, first or last")
                }
                let window = try o["window"].map { v throws(ConditionError) in try self.window(v, at: at + ".window") }
                let test = try test(o, at: at)
                if aggregate != .firstTime, aggregate != .lastTime, Self.isTimeTest(test) {
                    throw fail(at + ".op", "\(name) is a number: before, after and between times apply to first and last")
                }
                return .events(EventTest(aggregate, of: filter, window: window, test: test))
            }
            if let s = o["sequence"] {
                let at = at + ".sequence"
                guard let so = s.objectValue, let first = so["first"] else { throw fail(at, "expected \"first\"") }
                guard let second = so["then"] ?? so["without"] else { throw fail(at, "expected \"then\" or \"without\"") }
                guard let gap = so["within"] else { throw fail(at, "expected \"within\"") }
                let window = try so["window"].map { v throws(ConditionError) in try self.window(v, at: at + ".window") }
                return .sequence(SequenceTest(
                    first: try filter(first, at: at + ".first"), second: try filter(second, at: at + ".then"),
                    absent: so["then"] == nil, gap: try span(gap, at: at + ".within"), window: window))
            }
            throw fail(at, "expected one of and, or, not, everyone, nobody, attribute, events, sequence, segment, tag")
        }

        /// The keys that say what a node is.
        static let kinds = ["and", "or", "not", "everyone", "nobody", "segment", "tag", "attribute", "events", "sequence"]

        /// A test of times, which a count or a sum cannot meet.
        static func isTimeTest(_ t: ValueTest) -> Bool {
            func isTime(_ l: Literal) -> Bool {
                switch l {
                case .time: true
                case .string(let s): ConditionParser.absoluteTime(s) != nil
                default: false
                }
            }
            switch t {
            case .before, .after: return true
            case .between(let a, let b): return isTime(a) || isTime(b)
            default: return false
            }
        }

        func path(_ v: JSONValue, at: String) throws(ConditionError) -> [String] {
            let parts: [String]
            if let s = v.stringValue {
                parts = s.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            } else if let a = v.arrayValue {
                parts = a.compactMap(\.stringValue)
                guard parts.count == a.count else { throw fail(at, "expected names") }
            } else {
                throw fail(at, "expected a name or an array of names")
            }
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.contains("`") && !$0.contains("\n") }) else {
                throw fail(at, "names must be non-empty and cannot contain a backtick or a line break")
            }
            return parts
        }

        mutating func filter(_ v: JSONValue, at: String) throws(ConditionError) -> EventFilter {
            guard let o = v.objectValue else { throw fail(at, "expected {\"name\": …, \"where\": …}") }
            let name: String?
            switch o["name"] {
            case nil, .null?: name = nil
            case .string(let s)?: name = s
            default: throw fail(at + ".name", "expected an event name or null (any event)")
            }
            guard let w = o["where"] else { return EventFilter(name: name) }
            let c = try condition(w, at: at + ".where")
            var nested = false
            c.visit { switch $0 {
            case .events, .sequence, .segment, .tag: nested = true
            default: break
            } }
            if nested { throw fail(at + ".where", "an event's where tests its properties only") }
            return EventFilter(name: name, where: c)
        }

        func window(_ v: JSONValue, at: String) throws(ConditionError) -> Window {
            guard let o = v.objectValue else { throw fail(at, "expected an object") }
            if let s = o["within"] { return .last(try span(s, at: at + ".within")) }
            if let b = o["between"] {
                guard let pair = b.arrayValue, pair.count == 2 else { throw fail(at + ".between", "expected [from, to]") }
                return .between(try time(pair[0], at: at + ".between[0]"), try time(pair[1], at: at + ".between[1]"))  // trap-ok
            }
            if let t = o["before"] { return .before(try time(t, at: at + ".before")) }
            if let t = o["after"] { return .after(try time(t, at: at + ".after")) }
            throw fail(at, "expected within, between, before or after")
        }

        func span(_ v: JSONValue, at: String) throws(ConditionError) -> TimeSpan {
            guard let o = v.objectValue, let n = o["amount"]?.doubleValue, n >= 0, n <= 1e12, n == n.rounded(),
                  let unit = o["unit"]?.stringValue.flatMap(ConditionParser.unit)
            else { throw fail(at, "expected {\"amount\": whole number 0…10^12, \"unit\": \"days\"…}") }
            return TimeSpan(Int64(n), unit)
        }

        func time(_ v: JSONValue, at: String) throws(ConditionError) -> TimeRef {
            if let s = v.stringValue {
                guard let ms = ConditionParser.absoluteTime(s) else { throw fail(at, "\"\(s)\" is not a date or ISO 8601 time") }
                return .absolute(ms)
            }
            if let o = v.objectValue {
                if o["ago"] != nil {
                    let s = try span(.object(["amount": o["ago"] ?? .null, "unit": o["unit"] ?? .null]), at: at)
                    return .ago(s.amount, s.unit)
                }
                switch o["time"]?.stringValue {
                case "now": return .now
                case "today": return .today
                default: break
                }
            }
            throw fail(at, "expected a date, {\"ago\": N, \"unit\": …} or {\"time\": \"now\"|\"today\"}")
        }

        func literal(_ v: JSONValue, at: String) throws(ConditionError) -> Literal {
            switch v {
            case .string(let s): return .string(s)
            case .number(let n):
                guard n.isFinite else { throw fail(at, "expected a finite number") }
                return .number(n)
            case .bool(let b): return .bool(b)
            case .object: return .time(try time(v, at: at))
            default: throw fail(at, "expected a string, number, boolean or time")
            }
        }

        func test(_ o: [String: JSONValue], at: String) throws(ConditionError) -> ValueTest {
            guard let op = o["op"]?.stringValue else { throw fail(at + ".op", "expected an operator") }
            let value = o["value"] ?? .null
            let vat = at + ".value"
            if let c = ValueTest.Comparison(rawValue: op) { return .compare(c, try literal(value, at: vat)) }
            switch op {
            case "contains": return .contains(try literal(value, at: vat))
            case "starts_with", "ends_with":
                guard let s = value.stringValue else { throw fail(vat, "expected a string") }
                return op == "starts_with" ? .startsWith(s) : .endsWith(s)
            case "in", "not_in":
                guard let items = value.arrayValue, !items.isEmpty else { throw fail(vat, "expected a non-empty array") }
                var list: [Literal] = []
                for (i, item) in items.enumerated() { list.append(try literal(item, at: "\(vat)[\(i)]")) }
                return op == "in" ? .isIn(list) : .notIn(list)
            case "exists": return .exists
            case "missing": return .missing
            case "before": return .before(try time(value, at: vat))
            case "after": return .after(try time(value, at: vat))
            case "between":
                guard let pair = value.arrayValue, pair.count == 2 else { throw fail(vat, "expected [low, high]") }
                return .between(try literal(pair[0], at: vat + "[0]"), try literal(pair[1], at: vat + "[1]"))  // trap-ok
            default:
                throw fail(at + ".op", "unknown operator \"\(op)\"")
            }
        }
    }
}
