import RapportCore

extension Condition {
    /// Parses the condition language (`docs/conditions.md`).
    ///
    /// - Throws: ``ConditionError`` with the line and column of the first
    ///   problem and what was expected there.
    public static func parse(_ text: String) throws(ConditionError) -> Condition {
        var parser = try ConditionParser(text)
        return try parser.parseAll()
    }
}

/// A recursive-descent parser of the condition language, one token of
/// look-ahead (two for a few phrases).
struct ConditionParser {
    /// Parentheses, `not`s and event filters nested deeper than this are refused.
    static let maxDepth = 64
    /// Longer texts are refused.
    static let maxLength = 64 * 1024

    private var tokens: [ConditionToken]
    private var at = 0
    private var depth = 0
    /// Inside an event's `where`: names are event properties, and event tests cannot nest.
    private var inEventFilter = false
    /// The two ends of the last `between` window as written (for `first`/`last`, where they may be the test).
    private var betweenLiterals: (Literal, Literal)?

    init(_ text: String) throws(ConditionError) {
        guard text.utf8.count <= Self.maxLength else {
            throw ConditionError(.tooComplex, "a condition is limited to \(Self.maxLength / 1024) KiB",
                                 line: 1, column: 1)
        }
        var lexer = ConditionLexer(text)
        tokens = try lexer.tokens()
    }

    // MARK: - Tokens

    private var current: ConditionToken {
        tokens.indices.contains(at) ? tokens[at] : ConditionToken(kind: .end, line: 0, column: 0)  // trap-ok: checked
    }

    private func peek(_ offset: Int) -> ConditionToken {
        let j = at + offset
        return tokens.indices.contains(j) ? tokens[j] : (tokens.last ?? current)  // trap-ok: checked
    }

    private mutating func advance() {
        if at < tokens.count - 1 { at += 1 }
    }

    private func isKeyword(_ word: String, _ offset: Int = 0) -> Bool { peek(offset).keyword == word }

    private func isSymbol(_ s: String, _ offset: Int = 0) -> Bool { peek(offset).kind == .symbol(s) }

    /// Consumes the keyword if it is next.
    private mutating func accept(_ word: String) -> Bool {
        guard isKeyword(word) else { return false }
        advance()
        return true
    }

    private mutating func expect(_ word: String, _ what: String? = nil) throws(ConditionError) {
        guard accept(word) else { throw unexpected(what ?? "\"\(word)\"") }
    }

    private mutating func expectSymbol(_ s: String) throws(ConditionError) {
        guard isSymbol(s) else { throw unexpected("\"\(s)\"") }
        advance()
    }

    private func unexpected(_ expected: String...) -> ConditionError {
        let t = current
        let list = expected.count <= 1 ? expected.joined()
            : expected.dropLast().joined(separator: ", ") + " or " + (expected.last ?? "")
        return ConditionError(.syntax, "expected \(list), found \(t.shown)", line: t.line, column: t.column,
                              expected: expected)
    }

    private mutating func deeper() throws(ConditionError) {
        depth += 1
        guard depth <= Self.maxDepth else {
            let t = current
            throw ConditionError(.tooComplex, "the condition is nested more than \(Self.maxDepth) levels deep",
                                 line: t.line, column: t.column)
        }
    }

    // MARK: - Conditions

    mutating func parseAll() throws(ConditionError) -> Condition {
        if current.kind == .end { throw unexpected("a condition") }
        let c = try orExpression()
        guard current.kind == .end else { throw unexpected("\"and\"", "\"or\"", "the end of the condition") }
        return c
    }

    /// A computed trait's expression: a figure, events, an optional window.
    mutating func parseTraitExpression() throws(ConditionError) -> TraitExpression {
        let figure: TraitExpression.Figure
        if isKeyword("most"), isKeyword("frequent", 1) {
            advance(); advance()
            let p = try path()
            try expect("of")
            figure = .mostFrequent(p)
        } else if isKeyword("first") || isKeyword("last"), isKeyword("value", 1) {
            let first = isKeyword("first")
            advance(); advance()
            let p = try path()
            try expect("of")
            figure = first ? .firstValue(p) : .lastValue(p)
        } else if let a = try aggregateAhead() {
            figure = .aggregate(a)
        } else {
            throw unexpected("count", "sum, avg, min, max or distinct P of", "first", "last",
                             "most frequent P of", "first value P of", "last value P of")
        }
        let filter = try eventFilter()
        let window = try optionalWindow()
        guard current.kind == .end else { throw unexpected("a window", "the end of the expression") }
        return TraitExpression(figure, of: filter, window: window)
    }

    private mutating func orExpression() throws(ConditionError) -> Condition {
        var parts = [try andExpression()]
        while accept("or") { parts.append(try andExpression()) }
        return parts.count == 1 ? parts[0] : .any(parts)  // trap-ok: one element
    }

    private mutating func andExpression() throws(ConditionError) -> Condition {
        var parts = [try unary()]
        while accept("and") { parts.append(try unary()) }
        return parts.count == 1 ? parts[0] : .all(parts)  // trap-ok: one element
    }

    private mutating func unary() throws(ConditionError) -> Condition {
        if accept("not") {
            try deeper()
            defer { depth -= 1 }
            return .not(try unary())
        }
        return try primary()
    }

    private mutating func primary() throws(ConditionError) -> Condition {
        if isSymbol("(") {
            advance()
            try deeper()
            defer { depth -= 1 }
            let c = try orExpression()
            guard isSymbol(")") else { throw unexpected("\"and\"", "\"or\"", "\")\"") }
            advance()
            return c
        }
        if accept("everyone") { return .constant(true) }
        if accept("nobody") { return .constant(false) }
        if !inEventFilter {
            if isKeyword("did"), startsEventFilter(1) || isKeyword("not", 1) { return try did() }
            if isKeyword("in"), isKeyword("segment", 1) {
                advance(); advance()
                return .segment(try name("the segment's name"))
            }
            if isKeyword("has"), isKeyword("tag", 1) {
                advance(); advance()
                return .tag(try name("the tag"))
            }
            if let aggregate = try aggregateAhead() {
                let filter = try eventFilter()
                betweenLiterals = nil
                let window = try optionalWindow()
                // `last "App Opened" before 14 days ago`: with nothing after it, the "window" is the
                // test; `last "App Opened" within 7 days` alone means there is one.
                if aggregate == .firstTime || aggregate == .lastTime, !startsValueTest {
                    switch window {
                    case .before(let t)?: return .events(EventTest(aggregate, of: filter, test: .before(t)))
                    case .after(let t)?: return .events(EventTest(aggregate, of: filter, test: .after(t)))
                    case .between?:
                        if let (a, b) = betweenLiterals {
                            return .events(EventTest(aggregate, of: filter, test: .between(a, b)))
                        }
                    case .last?, nil:
                        return .events(EventTest(aggregate, of: filter, window: window, test: .exists))
                    }
                }
                let test = try valueTest()
                return .events(EventTest(aggregate, of: filter, window: window, test: test))
            }
        } else if isKeyword("did") || isKeyword("in") && isKeyword("segment", 1) || isKeyword("has") && isKeyword("tag", 1) {
            let t = current
            throw ConditionError(.syntax, "an event's where clause tests the event's properties; "
                + "put profile and event conditions outside it", line: t.line, column: t.column,
                expected: ["a property"])
        }
        let p = try path()
        return .attribute(path: p, test: try valueTest())
    }

    /// `did [not] FILTER [window]`, `did FILTER then|without FILTER within SPAN [window]`.
    private mutating func did() throws(ConditionError) -> Condition {
        advance()  // did
        let negated = accept("not")
        let first = try eventFilter()
        if isKeyword("then") || isKeyword("without") {
            let absent = isKeyword("without")
            advance()
            let second = try eventFilter()
            try expect("within", "\"within\" and how long B may come after A (e.g. within 1 day)")
            let gap = try span()
            let window = try optionalWindow()
            let s = Condition.sequence(SequenceTest(first: first, second: second, absent: absent, gap: gap, window: window))
            return negated ? .not(s) : s
        }
        let window = try optionalWindow()
        return .events(negated ? .didNot(first, window: window) : .did(first, window: window))
    }

    /// Whether an event filter starts `offset` tokens ahead: a name in quotes or `any event`.
    private func startsEventFilter(_ offset: Int) -> Bool {
        if case .string = peek(offset).kind { return true }
        return peek(offset).keyword == "any" && peek(offset + 1).keyword == "event"
    }

    /// An aggregate keyword and what goes with it, when one starts here;
    /// otherwise `nil` and nothing consumed (the word is then a name).
    private mutating func aggregateAhead() throws(ConditionError) -> EventTest.Aggregate? {
        guard let word = current.keyword else { return nil }
        switch word {
        case "count", "first", "last":
            guard startsEventFilter(1) else { return nil }
            advance()
            return word == "count" ? .count : word == "first" ? .firstTime : .lastTime
        case "sum", "avg", "average", "min", "max", "distinct":
            // sum PATH of FILTER: look for `of` after a path.
            var j = 1
            guard isName(j) else { return nil }
            j += 1
            while isSymbol(".", j), isName(j + 1) { j += 2 }
            guard peek(j).keyword == "of" else { return nil }
            advance()
            let p = try path()
            try expect("of")
            switch word {
            case "sum": return .sum(p)
            case "avg", "average": return .average(p)
            case "min": return .minimum(p)
            case "max": return .maximum(p)
            default: return .distinct(p)
            }
        default: return nil
        }
    }

    private func isName(_ offset: Int) -> Bool {
        switch peek(offset).kind {
        case .word, .quotedName: true
        default: false
        }
    }

    /// `"Name" [where TERM]`, `any event [where TERM]`; TERM is one property test or a condition in parentheses.
    private mutating func eventFilter() throws(ConditionError) -> EventFilter {
        var name: String?
        if case .string(let s) = current.kind {
            name = s
            advance()
        } else if isKeyword("any"), isKeyword("event", 1) {
            advance(); advance()
        } else {
            throw unexpected("an event name in quotes", "\"any event\"")
        }
        guard accept("where") else { return EventFilter(name: name) }
        let outer = inEventFilter
        inEventFilter = true
        defer { inEventFilter = outer }
        try deeper()
        defer { depth -= 1 }
        let condition: Condition
        if accept("not") {
            condition = .not(try primary())
        } else {
            condition = try primary()
        }
        return EventFilter(name: name, where: condition)
    }

    private mutating func optionalWindow() throws(ConditionError) -> Window? {
        if accept("within") { return .last(try span()) }
        if isKeyword("in"), isKeyword("last", 1) {
            advance(); advance()
            return .last(try span())
        }
        // `count "X" between 2 and 5` tests the count; `count "X" between "2024-01-01" and …` is a window.
        if isKeyword("between"), startsTime(1) {
            advance()
            let la = Self.asWritten(current)
            let a = try time()
            try expect("and")
            let lb = Self.asWritten(current)
            let b = try time()
            betweenLiterals = (la ?? .time(a), lb ?? .time(b))
            return .between(a, b)
        }
        if accept("before") { return .before(try time()) }
        if accept("after") || accept("since") { return .after(try time()) }
        return nil
    }

    /// `30 days`.
    private mutating func span() throws(ConditionError) -> TimeSpan {
        guard case .number(let n) = current.kind else { throw unexpected("a number of minutes, hours, days, weeks, months or years") }
        guard n >= 0, n == n.rounded(), n <= 1e12 else {
            let t = current
            throw ConditionError(.syntax, "a duration is a whole number from 0 to 10^12", line: t.line,
                                 column: t.column, expected: ["a whole number"])
        }
        advance()
        guard let unit = current.keyword.flatMap(Self.unit) else {
            throw unexpected("minutes", "hours", "days", "weeks", "months", "years")
        }
        advance()
        return TimeSpan(Int64(n), unit)
    }

    static func unit(_ word: String) -> TimeUnit? {
        switch word {
        case "minute", "minutes", "min", "mins": .minutes
        case "hour", "hours", "h": .hours
        case "day", "days", "d": .days
        case "week", "weeks", "w": .weeks
        case "month", "months": .months
        case "year", "years", "y": .years
        default: nil
        }
    }

    /// A point in time: `"2024-01-01"`, `"2024-01-01T08:00:00+08:00"`, `14 days ago`, `now`, `today`.
    private mutating func time() throws(ConditionError) -> TimeRef {
        let t = current
        switch t.kind {
        case .string(let s):
            guard let ms = Self.absoluteTime(s) else {
                throw ConditionError(.syntax, "\"\(s)\" is not a date (YYYY-MM-DD) or an ISO 8601 time",
                                     line: t.line, column: t.column, expected: ["a date"])
            }
            advance()
            return .absolute(ms)
        case .number:
            let s = try span()
            try expect("ago", "\"ago\"")
            return .ago(s.amount, s.unit)
        default:
            if accept("now") { return .now }
            if accept("today") { return .today }
            throw unexpected("a date in quotes", "N days ago", "\"now\"", "\"today\"")
        }
    }

    /// Whether a time starts `offset` tokens ahead.
    private func startsTime(_ offset: Int) -> Bool {
        switch peek(offset).kind {
        case .string(let s): return Self.absoluteTime(s) != nil
        case .number: return peek(offset + 1).keyword.flatMap(Self.unit) != nil && peek(offset + 2).keyword == "ago"
        case .word(let w): return ["now", "today"].contains(w.lowercased())
        default: return false
        }
    }

    /// A quoted time as the literal it would be in a test (relative times are read by `time()`).
    static func asWritten(_ t: ConditionToken) -> Literal? {
        if case .string(let s) = t.kind { return .string(s) }
        return nil
    }

    /// Years 0000–9999 in UTC: what ISO 8601 text can write back.
    static let timeRange: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    static func absoluteTime(_ s: String) -> Int64? {
        guard let t = Timestamp.parseDate(s) ?? Timestamp.parseISO8601(s), timeRange.contains(t) else { return nil }
        return t
    }

    /// A test of a value: comparison, text tests, lists, presence, times.
    private mutating func valueTest() throws(ConditionError) -> ValueTest {
        let t = current
        if case .symbol(let s) = t.kind, let op = ValueTest.Comparison(rawValue: s) {
            advance()
            return .compare(op, try literal())
        }
        if accept("contains") { return .contains(try literal()) }
        if isKeyword("starts") || isKeyword("ends") {
            let starts = isKeyword("starts")
            advance()
            try expect("with")
            let text = try name("a text in quotes")
            return starts ? .startsWith(text) : .endsWith(text)
        }
        if accept("in") { return .isIn(try list()) }
        if isKeyword("not"), isKeyword("in", 1) {
            advance(); advance()
            return .notIn(try list())
        }
        if accept("exists") { return .exists }
        if accept("missing") { return .missing }
        if isKeyword("is") {
            // `is set`, `is not set`, `is missing`
            advance()
            if accept("set") { return .exists }
            if accept("missing") { return .missing }
            if accept("not") {
                try expect("set")
                return .missing
            }
            throw unexpected("\"set\"", "\"not set\"", "\"missing\"")
        }
        if accept("before") { return .before(try time()) }
        if accept("after") || accept("since") { return .after(try time()) }
        if accept("between") {
            let a = try literal()
            try expect("and")
            return .between(a, try literal())
        }
        throw unexpected("an operator (=, !=, <, <=, >, >=, contains, starts with, ends with, in, not in, exists, "
            + "missing, before, after, between)")
    }

    /// Whether a value test starts here.
    private var startsValueTest: Bool {
        if case .symbol(let s) = current.kind { return ValueTest.Comparison(rawValue: s) != nil }
        guard let w = current.keyword else { return false }
        return ["contains", "starts", "ends", "in", "exists", "missing", "is", "before", "after", "since", "between"]
            .contains(w) || (w == "not" && isKeyword("in", 1))
    }

    private mutating func list() throws(ConditionError) -> [Literal] {
        try expectSymbol("(")
        var items = [try literal()]
        while isSymbol(",") {
            advance()
            items.append(try literal())
        }
        guard isSymbol(")") else { throw unexpected("\",\"", "\")\"") }
        advance()
        return items
    }

    private mutating func literal() throws(ConditionError) -> Literal {
        let t = current
        switch t.kind {
        case .string(let s):
            advance()
            return .string(s)
        case .number(let n):
            // `14 days ago` is a time; a plain number is a number.
            if let word = peek(1).keyword, Self.unit(word) != nil, peek(2).keyword == "ago" {
                return .time(try time())
            }
            advance()
            return .number(n)
        case .word(let w):
            switch w.lowercased() {
            case "true":
                advance()
                return .bool(true)
            case "false":
                advance()
                return .bool(false)
            case "now", "today": return .time(try time())
            default: break
            }
        default: break
        }
        throw unexpected("a value (text in quotes, a number, true, false, or a time such as 14 days ago)")
    }

    /// A text in quotes (names of segments, tags; prefixes).
    private mutating func name(_ what: String) throws(ConditionError) -> String {
        guard case .string(let s) = current.kind else { throw unexpected(what) }
        advance()
        return s
    }

    /// `city`, `rfm.r`, `` traits.`会员 等级` ``.
    private mutating func path() throws(ConditionError) -> [String] {
        var parts: [String] = []
        repeat {
            if !parts.isEmpty { advance() }  // the dot
            switch current.kind {
            case .word(let w):
                guard !Self.reserved.contains(w.lowercased()) else {
                    let t = current
                    throw ConditionError(.syntax, "\"\(w)\" is a keyword here; write `\(w)` for a trait of that name",
                                         line: t.line, column: t.column, expected: ["a name"])
                }
                parts.append(w)
            case .quotedName(let n): parts.append(n)
            default:
                throw unexpected(parts.isEmpty ? "a condition (a trait name, did, count, in segment, has tag, not, \"(\")"
                    : "a name after \".\"")
            }
            advance()
        } while isSymbol(".")
        return parts
    }

    /// Words that cannot start a name unquoted.
    static let reserved: Set<String> = ["and", "or", "not", "did", "then", "without", "within", "between", "before",
                                        "after", "since", "where", "of", "true", "false", "in", "is", "everyone",
                                        "nobody", "exists", "missing", "contains"]
}
