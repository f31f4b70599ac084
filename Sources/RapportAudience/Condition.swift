import RapportCore

/// Who an audience means, as a tree: what operators write in the condition
/// language (`docs/conditions.md`), parsed by ``Condition/parse(_:)``, or
/// sent as JSON (``Condition/init(json:)``, ``Condition/json``).
///
/// ```
/// city = "上海" and count "Order Completed" within 30 days >= 2
///   and did not "App Opened" within 14 days
/// ```
public indirect enum Condition: Sendable, Hashable {
    /// Every one of these holds (`and`).
    case all([Condition])
    /// At least one of these holds (`or`).
    case any([Condition])
    /// This does not hold (`not`).
    case not(Condition)
    /// `true` (`everyone`) or `false` (`nobody`).
    case constant(Bool)
    /// A test of a profile's attribute — a trait, a computed trait, `stage`,
    /// `rfm.r`, `cluster`, `score.churn` — or, inside an event's `where`, of an
    /// event property.
    case attribute(path: [String], test: ValueTest)
    /// A figure of the profile's events (count, sum, first time, …) tested.
    case events(EventTest)
    /// One event followed by another, or not followed, within a gap.
    case sequence(SequenceTest)
    /// Membership of another segment, by name.
    case segment(String)
    /// The profile carries this tag.
    case tag(String)
}

/// A test of one value.
public enum ValueTest: Sendable, Hashable {
    /// `=`, `!=`, `<`, `<=`, `>`, `>=` against a literal.
    case compare(Comparison, Literal)
    /// `contains "x"`: a string containing the text, or an array containing the value.
    case contains(Literal)
    case startsWith(String)
    case endsWith(String)
    /// `in ("a", "b")`; `not in (…)` is `notIn`.
    case isIn([Literal])
    case notIn([Literal])
    /// `exists`: present and not null; `missing`: absent or null.
    case exists
    case missing
    /// Times: `before` (strictly), `after` (at or after).
    case before(TimeRef)
    case after(TimeRef)
    /// `between A and B`: numbers and text from A to B, both included; times
    /// from A (included) to B (excluded), as event windows.
    case between(Literal, Literal)

    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }
}

/// A constant in a condition. Absolute times are text (`"2024-01-01"`),
/// compared as times when the value under test is one; `time` holds the
/// relative ones (`14 days ago`, `now`, `today`).
public enum Literal: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case time(TimeRef)
}

/// A point in time, absolute or relative to the moment of evaluation.
public enum TimeRef: Sendable, Hashable {
    /// Milliseconds since 1970 (UTC).
    case absolute(Int64)
    /// `N units ago`.
    case ago(Int64, TimeUnit)
    case now
    /// The start of the current day (UTC).
    case today

    /// Milliseconds since 1970, with `now` as given; saturating, never trapping.
    public func millis(now: Int64) -> Int64 {
        switch self {
        case .absolute(let t): return t
        case .now: return now
        case .today:
            let d = Timestamp.millisPerDay
            let q = now / d
            let floor = now % d < 0 ? q - 1 : q
            let (t, overflow) = floor.multipliedReportingOverflow(by: d)
            return overflow ? .min : t
        case .ago(let n, let unit):
            let span = unit.millis(n)
            let (t, overflow) = now.subtractingReportingOverflow(span)
            return overflow ? .min : t
        }
    }
}

/// A unit of duration. A month is 30 days and a year 365.
public enum TimeUnit: String, Sendable, Hashable, CaseIterable {
    case minutes, hours, days, weeks, months, years

    public var millisEach: Int64 {
        switch self {
        case .minutes: 60_000
        case .hours: 3_600_000
        case .days: 86_400_000
        case .weeks: 604_800_000
        case .months: 2_592_000_000
        case .years: 31_536_000_000
        }
    }

    /// `n` units in milliseconds, saturating.
    public func millis(_ n: Int64) -> Int64 {
        let (v, overflow) = n.multipliedReportingOverflow(by: millisEach)
        return overflow ? (n < 0 ? .min : .max) : v
    }
}

/// A duration: an amount of a unit.
public struct TimeSpan: Sendable, Hashable {
    public var amount: Int64
    public var unit: TimeUnit

    public init(_ amount: Int64, _ unit: TimeUnit) {
        self.amount = amount
        self.unit = unit
    }

    public var millis: Int64 { unit.millis(amount) }
}

/// Which events count: by name (or any), optionally filtered by a condition
/// over their properties.
public struct EventFilter: Sendable, Hashable {
    /// `nil`: any event.
    public var name: String?
    /// Over the event's properties (`revenue > 100`, `context.channel = "app"`).
    public var condition: Condition?

    public init(name: String?, where condition: Condition? = nil) {
        self.name = name
        self.condition = condition
    }
}

/// When the events counted happened.
public enum Window: Sendable, Hashable {
    /// `within 30 days`: from that long before the evaluation up to it.
    case last(TimeSpan)
    /// `between T1 and T2`: from T1 (included) to T2 (excluded).
    case between(TimeRef, TimeRef)
    /// `before T`: strictly before.
    case before(TimeRef)
    /// `after T` or `since T`: at T or later.
    case after(TimeRef)

    /// The window as a half-open range of milliseconds.
    public func range(now: Int64) -> Range<Int64> {
        func bounded(_ a: Int64, _ b: Int64) -> Range<Int64> { a <= b ? a..<b : a..<a }
        switch self {
        case .last(let d):
            let (start, o) = now.subtractingReportingOverflow(d.millis)
            let end = now == .max ? now : now + 1  // up to and including now
            return bounded(o ? .min : start, end)
        case .between(let a, let b): return bounded(a.millis(now: now), b.millis(now: now))
        case .before(let t): return bounded(.min, t.millis(now: now))
        case .after(let t): return bounded(t.millis(now: now), .max)
        }
    }
}

/// A figure of the events a filter and a window select, and its test.
public struct EventTest: Sendable, Hashable {
    public var aggregate: Aggregate
    public var filter: EventFilter
    public var window: Window?
    public var test: ValueTest

    public init(_ aggregate: Aggregate, of filter: EventFilter, window: Window? = nil, test: ValueTest) {
        self.aggregate = aggregate
        self.filter = filter
        self.window = window
        self.test = test
    }

    /// `did …`: at least one such event.
    public static func did(_ filter: EventFilter, window: Window? = nil) -> EventTest {
        EventTest(.count, of: filter, window: window, test: .compare(.greaterOrEqual, .number(1)))
    }

    /// `did not …`: none.
    public static func didNot(_ filter: EventFilter, window: Window? = nil) -> EventTest {
        EventTest(.count, of: filter, window: window, test: .compare(.equal, .number(0)))
    }

    public enum Aggregate: Sendable, Hashable {
        case count
        /// Of a numeric property (numbers, or strings that read as numbers).
        case sum([String]), average([String]), minimum([String]), maximum([String])
        /// Distinct values of a property.
        case distinct([String])
        /// The time of the first or last such event.
        case firstTime, lastTime
    }
}

/// `did A then B within gap`, or `did A without B within gap`.
public struct SequenceTest: Sendable, Hashable {
    public var first: EventFilter
    public var second: EventFilter
    /// `without`: some A was not followed by a B within the gap (and the gap has passed).
    public var absent: Bool
    public var gap: TimeSpan
    /// When A happened.
    public var window: Window?

    public init(first: EventFilter, second: EventFilter, absent: Bool, gap: TimeSpan, window: Window? = nil) {
        self.first = first
        self.second = second
        self.absent = absent
        self.gap = gap
        self.window = window
    }
}

extension Condition {
    /// The segments this condition refers to, directly.
    public var segmentsReferred: Set<String> {
        var out: Set<String> = []
        visit { if case .segment(let s) = $0 { out.insert(s) } }
        return out
    }

    /// The tags this condition refers to.
    public var tagsReferred: Set<String> {
        var out: Set<String> = []
        visit { if case .tag(let t) = $0 { out.insert(t) } }
        return out
    }

    /// Whether the condition depends on the time of evaluation (relative
    /// times, windows up to now, `without` gaps): such conditions are
    /// re-evaluated by the scheduler, not only when an event arrives.
    public var dependsOnTime: Bool {
        var found = false
        visit { c in
            switch c {
            case .attribute(_, let test): if test.dependsOnTime { found = true }
            case .events(let e):
                if e.window?.dependsOnTime ?? false || e.test.dependsOnTime { found = true }
            case .sequence(let s): if s.absent || (s.window?.dependsOnTime ?? false) { found = true }
            default: break
            }
        }
        return found
    }

    /// Calls `body` on this condition and every condition inside it (event filters included).
    public func visit(_ body: (Condition) -> Void) {
        body(self)
        switch self {
        case .all(let cs), .any(let cs): for c in cs { c.visit(body) }
        case .not(let c): c.visit(body)
        case .events(let e): e.filter.condition?.visit(body)
        case .sequence(let s):
            s.first.condition?.visit(body)
            s.second.condition?.visit(body)
        default: break
        }
    }
}

extension TimeRef {
    var isRelative: Bool {
        if case .absolute = self { return false }
        return true
    }
}

extension ValueTest {
    var dependsOnTime: Bool {
        switch self {
        case .before(let t), .after(let t): t.isRelative
        case .between(let a, let b): a.isRelativeTime || b.isRelativeTime
        case .compare(_, let l), .contains(let l): l.isRelativeTime
        case .isIn(let l), .notIn(let l): l.contains(where: \.isRelativeTime)
        default: false
        }
    }
}

extension Literal {
    var isRelativeTime: Bool {
        if case .time(let t) = self { return t.isRelative }
        return false
    }
}

extension Window {
    var dependsOnTime: Bool {
        switch self {
        case .last: true
        case .before(let t), .after(let t): t.isRelative
        case .between(let a, let b): a.isRelative || b.isRelative
        }
    }
}
