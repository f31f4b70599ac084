import RapportCore

/// Why a condition holds, or does not, for one profile: its tests with what
/// the profile has (`last "Order Completed" before 30 days ago` —
/// `2026-10-08, 47 days ago`).
public struct ConditionExplanation: Sendable, Hashable, Codable {
    /// The test, in the condition language.
    public var condition: String
    /// What the profile has for it (a value, a count, a time), if it reads one.
    public var value: String?
    public var holds: Bool

    public init(condition: String, value: String?, holds: Bool) {
        self.condition = condition
        self.value = value
        self.holds = holds
    }

    /// The tests that hold, with their values, on one line: a stage's reason.
    public static func summary(_ lines: [ConditionExplanation]) -> String {
        lines.filter(\.holds).map { l in l.value.map { "\(l.condition) (\($0))" } ?? l.condition }
            .joined(separator: "; ")
    }
}

extension Condition {
    /// The tests that decide this condition for `subject` at `now`: for a
    /// condition that holds, those that make it hold (every part of an `and`,
    /// the first part of an `or` that holds); for one that does not, those
    /// that fail.
    public func explain(_ subject: some ConditionSubject, now: Int64) -> [ConditionExplanation] {
        ConditionEvaluator(now: now).explain(self, subject)
    }
}

extension ConditionEvaluator {
    func explain(_ c: Condition, _ s: some ConditionSubject) -> [ConditionExplanation] {
        let holds = matches(c, s)
        switch c {
        case .all(let cs):
            return cs.filter { matches($0, s) == holds }.flatMap { explain($0, s) }
        case .any(let cs):
            if holds, let first = cs.first(where: { matches($0, s) }) { return explain(first, s) }
            return cs.flatMap { explain($0, s) }
        case .not(let inner):
            let value = explain(inner, s).count == 1 ? explain(inner, s).first?.value : nil
            return [ConditionExplanation(condition: Self.display(c), value: value, holds: holds)]
        case .constant:
            return [ConditionExplanation(condition: c.description, value: nil, holds: holds)]
        case .attribute(let path, _):
            return [ConditionExplanation(condition: c.description, value: render(s.attribute(path).map(Operand.value) ?? .missing),
                                         holds: holds)]
        case .events(let e):
            let figure = figure(e.aggregate, selected(e.filter, e.window, s))
            return [ConditionExplanation(condition: c.description, value: render(figure), holds: holds)]
        case .sequence, .tag, .segment:
            return [ConditionExplanation(condition: Self.display(c), value: nil, holds: holds)]
        }
    }

    /// The condition as an operator wrote it: Rapport's own segments by what they stand for.
    static func display(_ c: Condition) -> String {
        switch c {
        case .segment(let name):
            if let stage = LifecycleStages.stage(ofSegment: name) { return "stage = " + ConditionText.string(stage) }
            if let tag = TagRules.tag(ofSegment: name) { return "has tag " + ConditionText.string(tag) }
            return c.description
        case .not(let inner): return "not " + display(inner)
        default: return c.description
        }
    }

    /// A value for people: numbers without a needless `.0`, times as the date and how long ago.
    func render(_ v: Operand) -> String {
        switch v {
        case .missing, .value(.null): return "none"
        case .time(let t): return Self.when(t, now: now)
        case .value(.number(let d)):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .value(.string(let text)): return text
        case .value(.bool(let b)): return b ? "true" : "false"
        case .value(let other): return other.jsonString
        }
    }

    /// `2026-10-08, 47 days ago`.
    static func when(_ t: Int64, now: Int64) -> String {
        let date = String(Timestamp.formatISO8601(t).prefix(10))
        let (days, o) = now.subtractingReportingOverflow(t)
        guard !o else { return date }
        let d = days / 86_400_000
        if d == 0 { return date + (days >= 0 ? ", today" : ", later today") }
        return d > 0 ? "\(date), \(d) day\(d == 1 ? "" : "s") ago" : "\(date), in \(-d) day\(d == -1 ? "" : "s")"
    }
}
