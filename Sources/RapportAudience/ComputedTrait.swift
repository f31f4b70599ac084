import RapportCore

/// A named figure of each profile's events, kept current as events arrive
/// and read in conditions, templates and exports like a trait:
///
/// ```
/// lifetime_revenue   = sum revenue of "Order Completed"
/// orders_30d         = count "Order Completed" within 30 days
/// average_order      = avg revenue of "Order Completed"
/// favourite_category = most frequent category of "Product Viewed"
/// first_source       = first value context.campaign.source of any event
/// products_bought    = distinct product_id of "Product Added"
/// ```
public struct ComputedTrait: Sendable, Hashable {
    public var name: String
    public var expression: TraitExpression

    public init(name: String, expression: TraitExpression) {
        self.name = name
        self.expression = expression
    }

    /// Parses the expression (`docs/conditions.md`, computed traits).
    public init(name: String, text: String) throws(ConditionError) {
        self.name = name
        var parser = try ConditionParser(text)
        self.expression = try parser.parseTraitExpression()
    }
}

/// What a computed trait computes: a figure of the events a filter and a
/// window select.
public struct TraitExpression: Sendable, Hashable {
    public var figure: Figure
    public var filter: EventFilter
    public var window: Window?

    public init(_ figure: Figure, of filter: EventFilter, window: Window? = nil) {
        self.figure = figure
        self.filter = filter
        self.window = window
    }

    public enum Figure: Sendable, Hashable {
        /// Any figure a condition can test: count, sum, avg, min, max, distinct, first and last time.
        case aggregate(EventTest.Aggregate)
        /// The property value seen on most events (ties: the one seen last).
        case mostFrequent([String])
        /// The property value of the first or last event that has one.
        case firstValue([String]), lastValue([String])
    }

    /// Whether the value changes with time alone (a window up to now).
    public var dependsOnTime: Bool { window?.dependsOnTime ?? false }

    /// The event paths it reads.
    public var eventPathsReferred: Set<EventPath> {
        var out: Set<EventPath> = []
        filter.collectEventPaths(into: &out)
        let path: [String]?
        switch figure {
        case .aggregate(let a): path = a.propertyPath
        case .mostFrequent(let p), .firstValue(let p), .lastValue(let p): path = p
        }
        if let p = path.flatMap(EventPath.init), p != .name { out.insert(p) }
        return out
    }

    /// The value for `subject` at `now`: a number; a time as ISO 8601 text
    /// (first, last); a property's value; `nil` when there is none (no
    /// events for avg, min, max, first, last and the value figures).
    public func value(for subject: some ConditionSubject, now: Int64) -> JSONValue? {
        traitValue(for: subject, now: now).json
    }

    /// The value before it is shown (times as milliseconds).
    func traitValue(for subject: some ConditionSubject, now: Int64) -> TraitValue {
        let evaluator = ConditionEvaluator(now: now)
        let events = evaluator.selected(filter, window, subject)
        switch figure {
        case .aggregate(let a):
            switch evaluator.figure(a, events) {
            case .missing: return .missing
            case .value(.number(let x)): return .number(x)
            case .value(let v): return .value(v)
            case .time(let t): return .time(t)
            }
        case .mostFrequent(let p):
            var counts: [JSONValue: (count: Int, last: Int)] = [:]
            for (i, e) in events.enumerated() {
                guard let v = e.value(at: p), !v.isNull else { continue }
                let c = counts[v]?.count ?? 0
                counts[v] = (c + 1, i)
            }
            let top = counts.max { a, b in
                a.value.count != b.value.count ? a.value.count < b.value.count : a.value.last < b.value.last
            }
            return top.map { .value($0.key) } ?? .missing
        case .firstValue(let p):
            return events.lazy.compactMap { $0.value(at: p) }.first { !$0.isNull }.map { .value($0) } ?? .missing
        case .lastValue(let p):
            return events.reversed().lazy.compactMap { $0.value(at: p) }.first { !$0.isNull }.map { .value($0) } ?? .missing
        }
    }
}
