import RapportCore

extension TraitExpression: CustomStringConvertible {
    /// The expression in its canonical text form.
    public var description: String { ConditionText.render(self) }
}

extension Condition: CustomStringConvertible {
    /// The condition in the condition language, in a canonical form that
    /// parses back to an equal condition.
    public var description: String { ConditionText.render(self) }
}

/// Writes conditions as text.
enum ConditionText {
    static func render(_ c: Condition) -> String {
        switch c {
        case .all(let cs): cs.map(child).joined(separator: " and ")
        case .any(let cs): cs.map(child).joined(separator: " or ")
        case .not(let inner): "not " + child(inner)
        case .constant(let b): b ? "everyone" : "nobody"
        case .attribute(let path, let test): self.path(path) + " " + render(test)
        case .events(let e): render(e)
        case .sequence(let s):
            "did " + render(s.first) + (s.absent ? " without " : " then ") + render(s.second) + " within "
                + render(s.gap) + (s.window.map { " " + render($0) } ?? "")
        case .segment(let s): "in segment " + string(s)
        case .tag(let t): "has tag " + string(t)
        }
    }

    /// A part of an `and`, `or` or `not`: in parentheses if it is itself one.
    private static func child(_ c: Condition) -> String {
        switch c {
        case .all, .any: "(" + render(c) + ")"
        case .sequence: "(" + render(c) + ")"
        default: render(c)
        }
    }

    static func render(_ e: EventTest) -> String {
        let filter = render(e.filter), window = e.window.map { " " + render($0) } ?? ""
        if e.aggregate == .count, e.test == .compare(.greaterOrEqual, .number(1)) { return "did " + filter + window }
        if e.aggregate == .count, e.test == .compare(.equal, .number(0)) { return "did not " + filter + window }
        return head(e.aggregate) + " " + filter + window + " " + render(e.test)
    }

    static func head(_ aggregate: EventTest.Aggregate) -> String {
        switch aggregate {
        case .count: "count"
        case .sum(let p): "sum " + path(p) + " of"
        case .average(let p): "avg " + path(p) + " of"
        case .minimum(let p): "min " + path(p) + " of"
        case .maximum(let p): "max " + path(p) + " of"
        case .distinct(let p): "distinct " + path(p) + " of"
        case .firstTime: "first"
        case .lastTime: "last"
        }
    }

    static func render(_ t: TraitExpression) -> String {
        let head: String = switch t.figure {
        case .aggregate(let a): head(a)
        case .mostFrequent(let p): "most frequent " + path(p) + " of"
        case .firstValue(let p): "first value " + path(p) + " of"
        case .lastValue(let p): "last value " + path(p) + " of"
        }
        return head + " " + render(t.filter) + (t.window.map { " " + render($0) } ?? "")
    }

    static func render(_ f: EventFilter) -> String {
        var out = f.name.map(string) ?? "any event"
        if let c = f.condition {
            out += " where "
            switch c {
            case .attribute: out += render(c)
            case .not(let inner):
                if case .attribute = inner { out += render(c) } else { out += "(" + render(c) + ")" }
            default: out += "(" + render(c) + ")"
            }
        }
        return out
    }

    static func render(_ w: Window) -> String {
        switch w {
        case .last(let s): "within " + render(s)
        case .between(let a, let b): "between " + render(a) + " and " + render(b)
        case .before(let t): "before " + render(t)
        case .after(let t): "after " + render(t)
        }
    }

    static func render(_ s: TimeSpan) -> String { "\(s.amount) \(s.unit.rawValue)" }

    static func render(_ t: TimeRef) -> String {
        switch t {
        case .absolute(let ms): string(Timestamp.formatISO8601(ms))
        case .ago(let n, let unit): "\(n) \(unit.rawValue) ago"
        case .now: "now"
        case .today: "today"
        }
    }

    static func render(_ test: ValueTest) -> String {
        switch test {
        case .compare(let op, let l): op.rawValue + " " + render(l)
        case .contains(let l): "contains " + render(l)
        case .startsWith(let s): "starts with " + string(s)
        case .endsWith(let s): "ends with " + string(s)
        case .isIn(let l): "in (" + l.map(render).joined(separator: ", ") + ")"
        case .notIn(let l): "not in (" + l.map(render).joined(separator: ", ") + ")"
        case .exists: "exists"
        case .missing: "missing"
        case .before(let t): "before " + render(t)
        case .after(let t): "after " + render(t)
        case .between(let a, let b): "between " + render(a) + " and " + render(b)
        }
    }

    static func render(_ l: Literal) -> String {
        switch l {
        case .string(let s): string(s)
        case .number(let n): number(n)
        case .bool(let b): b ? "true" : "false"
        case .time(let t): render(t)
        }
    }

    static func number(_ n: Double) -> String {
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return "\(n)"
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.properties.generalCategory == .control {
                    out += "\\u{" + String(c.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    static func path(_ parts: [String]) -> String {
        parts.map { part in
            let bare = !part.isEmpty && part.unicodeScalars.allSatisfy(ConditionLexer.isWordCharacter)
                && !(part.unicodeScalars.first.map { ("0"..."9").contains($0) } ?? true)
                && !ConditionParser.reserved.contains(part.lowercased())
            return bare ? part : "`" + part + "`"
        }.joined(separator: ".")
    }
}
