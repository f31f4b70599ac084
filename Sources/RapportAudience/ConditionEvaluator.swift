import RapportCore

/// What a condition is evaluated against: one profile, its attributes, tags,
/// memberships and events.
public protocol ConditionSubject {
    /// A trait, computed trait or derived attribute (`stage`, `rfm.r`,
    /// `cluster`, `score.churn`); `nil` when the profile has none.
    func attribute(_ path: [String]) -> JSONValue?
    func hasTag(_ tag: String) -> Bool
    func isInSegment(_ name: String) -> Bool
    /// The profile's events named `name` (all when `nil`), oldest first.
    func events(named name: String?) -> [SubjectEvent]
}

/// An event as conditions see it.
public struct SubjectEvent: Sendable, Hashable {
    public var name: String
    /// Milliseconds since 1970.
    public var time: Int64
    public var properties: JSONValue
    public var context: JSONValue

    public init(name: String, time: Int64, properties: JSONValue = .object([:]), context: JSONValue = .object([:])) {
        self.name = name
        self.time = time
        self.properties = properties
        self.context = context
    }

    /// `revenue` or `properties.revenue`: a property; `context.…`: the context; `event`: the name.
    public func value(at path: [String]) -> JSONValue? {
        guard let head = path.first else { return nil }
        switch head {
        case "properties": return Self.lookup(properties, path.dropFirst())
        case "context": return Self.lookup(context, path.dropFirst())
        case "event" where path.count == 1: return .string(name)
        default: return Self.lookup(properties, path[...])
        }
    }

    static func lookup(_ root: JSONValue, _ path: ArraySlice<String>) -> JSONValue? {
        var v = root
        for key in path {
            guard let next = v[key] else { return nil }
            v = next
        }
        return v
    }
}

extension Condition {
    /// Whether `subject` meets the condition at time `now` (milliseconds since
    /// 1970). Never traps: missing attributes, wrong types and extreme numbers
    /// make a test false (and `!=`, `not in`, `missing` true), as documented in
    /// `docs/conditions.md`.
    public func matches(_ subject: some ConditionSubject, now: Int64) -> Bool {
        ConditionEvaluator(now: now).matches(self, subject)
    }
}

/// A value under test: absent, a JSON value, or a time.
enum Operand {
    case missing
    case value(JSONValue)
    case time(Int64)
}

struct ConditionEvaluator {
    var now: Int64

    func matches(_ c: Condition, _ s: some ConditionSubject) -> Bool {
        switch c {
        case .all(let cs): return cs.allSatisfy { matches($0, s) }
        case .any(let cs): return cs.contains { matches($0, s) }
        case .not(let inner): return !matches(inner, s)
        case .constant(let b): return b
        case .attribute(let path, let test):
            return self.test(test, s.attribute(path).map(Operand.value) ?? .missing)
        case .segment(let name): return s.isInSegment(name)
        case .tag(let t): return s.hasTag(t)
        case .events(let e): return events(e, s)
        case .sequence(let q): return sequence(q, s)
        }
    }

    /// Whether an event passes a filter (its name and its `where`).
    func passes(_ f: EventFilter, _ e: SubjectEvent) -> Bool {
        if let name = f.name, e.name != name { return false }
        guard let c = f.condition else { return true }
        return matches(c, EventSubject(event: e))
    }

    /// The events a filter and a window select.
    func selected(_ f: EventFilter, _ w: Window?, _ s: some ConditionSubject) -> [SubjectEvent] {
        let range = w?.range(now: now)
        return s.events(named: f.name).filter { e in
            if let range, !range.contains(e.time) { return false }
            return passes(f, e)
        }
    }

    func events(_ e: EventTest, _ s: some ConditionSubject) -> Bool {
        test(e.test, figure(e.aggregate, selected(e.filter, e.window, s)))
    }

    /// The aggregate of these events.
    func figure(_ aggregate: EventTest.Aggregate, _ list: [SubjectEvent]) -> Operand {
        let operand: Operand
        switch aggregate {
        case .count: operand = .value(.number(Double(list.count)))
        case .sum(let p):
            operand = .value(.number(Self.finite(list.reduce(0.0) { $0 + ($1.value(at: p).flatMap(Self.number) ?? 0) })))
        case .average(let p):
            let xs = list.compactMap { $0.value(at: p).flatMap(Self.number) }
            // The total divided; if the total overflows, each term divided first.
            let n = Double(xs.count)
            let total = xs.reduce(0, +)
            let mean = total.isFinite ? total / n : xs.reduce(0) { $0 + $1 / n }
            operand = xs.isEmpty ? .missing : .value(.number(Self.finite(mean)))
        case .minimum(let p):
            operand = list.compactMap { $0.value(at: p).flatMap(Self.number) }.min().map { .value(.number($0)) } ?? .missing
        case .maximum(let p):
            operand = list.compactMap { $0.value(at: p).flatMap(Self.number) }.max().map { .value(.number($0)) } ?? .missing
        case .distinct(let p):
            let values = Set(list.compactMap { e -> JSONValue? in
                guard let v = e.value(at: p), !v.isNull else { return nil }
                return v
            })
            operand = .value(.number(Double(values.count)))
        case .firstTime: operand = list.map(\.time).min().map(Operand.time) ?? .missing
        case .lastTime: operand = list.map(\.time).max().map(Operand.time) ?? .missing
        }
        return operand
    }

    /// A number, or a text that reads as a decimal number.
    static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .number(let d): d.isFinite ? d : nil
        case .string(let s): decimal(s)
        default: nil
        }
    }

    /// A decimal number in text (`42`, ` -3.5 `, `1e3`); not hex, `inf` or `nan`, as `Double(_:)` would take.
    static func decimal(_ s: String) -> Double? {
        let t = s.trimmingASCIIWhitespace()
        guard !t.isEmpty, t.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B
            || $0 == 0x65 || $0 == 0x45 }),
              let d = Double(t), d.isFinite
        else { return nil }
        return d
    }

    /// An overflowed total held at the largest finite value, so it still compares.
    static func finite(_ x: Double) -> Double {
        x.isNaN ? 0 : min(max(x, -.greatestFiniteMagnitude), .greatestFiniteMagnitude)
    }

    func sequence(_ q: SequenceTest, _ s: some ConditionSubject) -> Bool {
        // Positions in the profile's history, so that an event is never its own B.
        let history = s.events(named: nil)
        let aRange = q.window?.range(now: now)
        var firsts: [Int] = [], seconds: [Int] = []
        for (i, e) in history.enumerated() {
            if passes(q.first, e), aRange?.contains(e.time) ?? true { firsts.append(i) }
            if passes(q.second, e) { seconds.append(i) }
        }
        return Self.sequenceHolds(firsts: firsts, seconds: seconds, time: { history[$0].time },  // trap-ok: positions of history
                                  gap: q.gap.millis, absent: q.absent, now: now)
    }

    /// Whether some A is followed by a B within `gap` (or, `absent`, some A
    /// was not and the gap is over at `now`). `firsts` and `seconds` are the
    /// ascending positions of the As and Bs in a history ordered by (time,
    /// log); `time` gives a position's time. A B must come after its A, so an
    /// event is never its own successor.
    static func sequenceHolds(firsts: [Int], seconds: [Int], time: (Int) -> Int64, gap: Int64, absent: Bool,
                              now: Int64) -> Bool {
        for i in firsts {
            let (deadline, o) = time(i).addingReportingOverflow(gap)
            let end = o ? Int64.max : deadline
            // The first B after A in the history.
            var lo = 0, hi = seconds.count
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                if seconds[mid] <= i { lo = mid + 1 } else { hi = mid }  // trap-ok: lo ≤ mid < hi ≤ count
            }
            let followed = lo < seconds.count && time(seconds[lo]) <= end  // trap-ok: checked
            if absent ? (!followed && end <= now) : followed { return true }
        }
        return false
    }

    // MARK: - Values

    func test(_ t: ValueTest, _ v: Operand) -> Bool {
        switch t {
        case .exists:
            if case .missing = v { return false }
            if case .value(.null) = v { return false }
            return true
        case .missing: return !test(.exists, v)
        case .compare(.equal, let l): return equal(v, l)
        case .compare(.notEqual, let l): return !equal(v, l)
        case .compare(let op, let l):
            guard let order = compare(v, l) else { return false }
            switch op {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        case .contains(let l):
            switch v {
            case .value(.string(let s)):
                guard case .string(let needle) = l else { return false }
                return s.contains(needle)
            case .value(.array(let items)): return items.contains { equal(.value($0), l) }
            default: return false
            }
        case .startsWith(let p):
            if case .value(.string(let s)) = v { return s.hasPrefix(p) }
            return false
        case .endsWith(let p):
            if case .value(.string(let s)) = v { return s.hasSuffix(p) }
            return false
        case .isIn(let list): return list.contains { equal(v, $0) }
        case .notIn(let list): return !list.contains { equal(v, $0) }
        case .before(let t):
            guard let ms = time(v) else { return false }
            return ms < t.millis(now: now)
        case .after(let t):
            guard let ms = time(v) else { return false }
            return ms >= t.millis(now: now)
        case .between(let a, let b):
            // Times: [a, b). Numbers and text: [a, b].
            if let ms = time(v), let ta = time(literal: a), let tb = time(literal: b) { return ms >= ta && ms < tb }
            guard let lo = compare(v, a), let hi = compare(v, b) else { return false }
            return lo >= 0 && hi <= 0
        }
    }

    /// The value as a time: a time, or a string that reads as a date or ISO 8601 time.
    func time(_ v: Operand) -> Int64? {
        switch v {
        case .time(let t): return t
        case .value(.string(let s)): return ConditionParser.absoluteTime(s)
        default: return nil
        }
    }

    func time(literal l: Literal) -> Int64? {
        switch l {
        case .time(let t): return t.millis(now: now)
        case .string(let s): return ConditionParser.absoluteTime(s)
        default: return nil
        }
    }

    func equal(_ v: Operand, _ l: Literal) -> Bool {
        switch (v, l) {
        case (.missing, _), (.value(.null), _): return false
        case (.value(.string(let s)), .string(let t)):
            if s == t { return true }
            if let a = ConditionParser.absoluteTime(s), let b = ConditionParser.absoluteTime(t) { return a == b }
            return false
        case (.value(.bool(let b)), .bool(let c)): return b == c
        case (.value(.string(let s)), .bool(let c)): return s.lowercased() == (c ? "true" : "false")
        case (.value(.bool(let b)), .string(let t)): return t.lowercased() == (b ? "true" : "false")
        case (_, .number(let n)):
            guard case .value(let j) = v, let x = Self.number(j) else { return false }
            return x == n
        case (.value(.number(let x)), .string(let t)):
            guard let y = Self.decimal(t) else { return false }
            return x == y
        case (_, .time), (.time, .string):
            guard let a = time(v), let b = time(literal: l) else { return false }
            return a == b
        default: return false
        }
    }

    /// −1, 0, 1, or `nil` when the two cannot be ordered.
    func compare(_ v: Operand, _ l: Literal) -> Int? {
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a > b ? 1 : 0 }
        switch l {
        case .number(let n):
            guard case .value(let j) = v, let x = Self.number(j) else { return nil }
            return sign(x, n)
        case .time:
            guard let a = time(v), let b = time(literal: l) else { return nil }
            return sign(a, b)
        case .string(let t):
            if let a = time(v), let b = ConditionParser.absoluteTime(t) { return sign(a, b) }
            if case .value(let j) = v, let x = Self.number(j), let y = Self.decimal(t) { return sign(x, y) }
            guard case .value(.string(let s)) = v else { return nil }
            return sign(s, t)
        case .bool: return nil
        }
    }
}

/// An event as the subject of its `where` condition.
struct EventSubject: ConditionSubject {
    var event: SubjectEvent
    func attribute(_ path: [String]) -> JSONValue? { event.value(at: path) }
    func hasTag(_ tag: String) -> Bool { false }
    func isInSegment(_ name: String) -> Bool { false }
    func events(named name: String?) -> [SubjectEvent] { [] }
}
