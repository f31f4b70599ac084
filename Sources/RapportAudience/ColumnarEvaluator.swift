import RapportCore

/// Evaluates every computed trait and segment for every live profile at once,
/// over the columns of an ``AudienceIndex`` and a ``ProfileTable``: the
/// scheduler's full re-evaluation.
///
/// - Every figure (count, sum, … of the events a filter and a window select)
///   is computed for all profiles at once by a ``FigureScanner``, over the
///   table of its event name only, from the start of its window.
/// - A `where` test is worked out once per distinct value of its path, then
///   looked up per event; an attribute test once per distinct attribute value.
/// - `and`, `or` and `not` combine sets of profiles as bits.
/// - A sequence meets the events of its two names in (time, log) order, the
///   two tables merged, keeping per profile only the A that decides.
///
/// It gives what the reference evaluator (``Condition/matches(_:now:)``) gives
/// profile by profile: sums are added in (time, log) order as there, so a
/// profile whose events were not logged in time order has its sums taken by
/// the reference instead.
struct ColumnarEvaluator {
    let index: AudienceIndex
    let table: ProfileTable
    let now: Int64
    let reference: ConditionEvaluator

    private var figures: [FigureKey: FigureColumn] = [:]
    private var traitResults: [String: TraitColumn] = [:]
    private var segmentResults: [String: Bits] = [:]
    private var sequenceResults: [SequenceTest: Bits] = [:]
    private var attributeMemos: [AttributeKey: [Bool]] = [:]
    /// Reads the tables figures and sequences need; set by ``run(traits:segments:)``.
    private var scanner: FigureScanner?

    /// Each table ordinal's owner position (``OwnerColumns``), for the tables ``tablesRead(traits:segments:)`` names.
    let owners: [[UInt32]]
    /// Only events before this time count (`Int64.max`: all). The owner columns must have no owner for the
    /// later ones; the histories read for the profiles columns cannot decide are cut here.
    let horizon: Int64

    init(index: AudienceIndex, table: ProfileTable, now: Int64, owners: [[UInt32]], horizon: Int64 = .max) {
        self.index = index
        self.table = table
        self.now = now
        self.owners = owners
        self.horizon = horizon
        reference = ConditionEvaluator(now: now)
    }

    /// The figures and sequences the definitions need.
    static func needed(traits: [ComputedTrait], segments: [SegmentDefinition]) -> (figures: Set<FigureKey>, sequences: Set<SequenceTest>) {
        var keys = Set(traits.map { FigureKey($0.expression) })
        var sequences: Set<SequenceTest> = []
        for s in segments {
            collectFigures(s.condition, into: &keys)
            collectSequences(s.condition, into: &sequences)
        }
        return (keys, sequences)
    }

    /// The event names whose tables the definitions read (every table when `nil`: some read any event).
    static func tablesRead(traits: [ComputedTrait], segments: [SegmentDefinition]) -> Set<String>? {
        let (keys, sequences) = needed(traits: traits, segments: segments)
        var names = Set(keys.map(\.filter.name))
        for q in sequences { names.formUnion([q.first.name, q.second.name]) }
        return names.contains(nil) ? nil : Set(names.compactMap { $0 })
    }

    /// The computed traits' columns and the segments' members, in the order given
    /// (segments after those they refer to).
    mutating func run(traits: [ComputedTrait], segments: [SegmentDefinition]) -> (traits: [TraitColumn], segments: [Bits]) {
        let (keys, sequences) = Self.needed(traits: traits, segments: segments)
        let scanner = FigureScanner(index: index, table: table, now: now, owners: owners, horizon: horizon)
        self.scanner = scanner
        computeFigures(keys, sequences: sequences, scanner: scanner)
        var traitColumns: [TraitColumn] = []
        for t in traits {
            let column = figures[FigureKey(t.expression)].map { $0.column(for: t.expression, index: index) }
                ?? TraitColumn(for: t.expression, count: table.count)
            traitResults[t.name] = column
            traitColumns.append(column)
        }
        var segmentBits: [Bits] = []
        for s in segments {
            let bits = evaluate(s.condition)
            segmentResults[s.name] = bits
            segmentBits.append(bits)
        }
        return (traitColumns, segmentBits)
    }

    // MARK: - Conditions

    mutating func evaluate(_ c: Condition) -> Bits {
        switch c {
        case .all(let cs):
            var out = table.alive
            for inner in cs { out.formIntersection(evaluate(inner)) }
            return out
        case .any(let cs):
            var out = Bits(count: table.count)
            for inner in cs { out.formUnion(evaluate(inner)) }
            return out
        case .not(let inner): return evaluate(inner).complement(within: table.alive)
        case .constant(let b): return b ? table.alive : Bits(count: table.count)
        case .segment(let name): return segmentResults[name] ?? Bits(count: table.count)
        case .tag(let t):
            guard let k = table.tags.firstIndex(of: t) else { return Bits(count: table.count) }
            var out = table.tagBits[k]  // trap-ok: an index of tags
            out.formIntersection(table.alive)
            return out
        case .attribute(let path, let test): return attribute(path, test)
        case .events(let e):
            guard let column = figures[FigureKey(e)] else { return Bits(count: table.count) }
            return figureTest(column, e.test)
        case .sequence(let q): return sequenceResults[q] ?? sequence(q)
        }
    }

    /// Profiles whose attribute (a computed trait first, as ``AudienceSubject`` reads it) passes the test.
    mutating func attribute(_ path: [String], _ test: ValueTest) -> Bits {
        let trait = path.count == 1 ? path.first.flatMap { traitResults[$0] } : nil
        let column = table.attributeColumn(path)
        // Each distinct value's result, by value id + 1 (0: missing).
        let results = column.map { attributeResults(column: $0, test: test) } ?? []
        let missing = reference.test(test, .missing)
        let ids = column.map { table.attributeColumns[$0] } ?? []  // trap-ok: a column of the table
        /// The attribute's result, where the computed trait has no value.
        @inline(__always) func byAttribute(_ pos: Int) -> Bool {
            let id = pos < ids.count ? Int(ids[pos]) : 0  // trap-ok: checked
            return id < results.count ? results[id] : missing  // trap-ok: checked
        }
        guard let trait else { return Bits.select(within: table.alive, byAttribute) }
        let reference = reference
        switch trait.kind {
        case .numbers:
            let xs = trait.numbers
            // With no attribute of that name, a profile without the trait's value is missing it.
            if let fast = NumberTest(test) {
                if column == nil { return numbers(xs, fast, missing: missing) }
                return Bits.select(within: table.alive) { pos in
                    let x = pos < xs.count ? xs[pos] : .nan  // trap-ok: checked
                    return x.isNaN ? byAttribute(pos) : fast.passes(x)
                }
            }
            return Bits.select(within: table.alive) { pos in
                let x = pos < xs.count ? xs[pos] : .nan  // trap-ok: checked
                return x.isNaN ? byAttribute(pos) : reference.test(test, .value(.number(x)))
            }
        case .times:
            // A time trait is shown as ISO text, which reads back as the same time.
            let ts = trait.times
            let bound = TimeBound(test, now: now)
            return Bits.select(within: table.alive) { pos in
                let t = pos < ts.count ? ts[pos] : .min  // trap-ok: checked
                if t == .min { return byAttribute(pos) }
                return bound.map { $0.passes(t) } ?? reference.test(test, .value(.string(Timestamp.formatISO8601(t))))
            }
        case .values:
            // Each distinct value tested once.
            let byId = [false] + trait.items.map { reference.test(test, .value($0)) }
            let valueIds = trait.valueIds
            return Bits.select(within: table.alive) { pos in
                let v = pos < valueIds.count ? Int(valueIds[pos]) : 0  // trap-ok: checked
                if v == 0 { return byAttribute(pos) }
                return v < byId.count ? byId[v] : false  // trap-ok: checked
            }
        }
    }

    /// A test's result for each distinct value of an attribute column, by value id + 1 (0: missing).
    private mutating func attributeResults(column k: Int, test: ValueTest) -> [Bool] {
        let key = AttributeKey(column: k, test: test)
        if let r = attributeMemos[key] { return r }
        let values = table.attributeValues[k].items  // trap-ok: a column of the table
        let times = table.attributeTimes[k]  // trap-ok: as above
        var r = [reference.test(test, .missing)]
        r.reserveCapacity(values.count + 1)
        // Times parsed once when the value was first seen.
        let bound = TimeBound(test, now: now)
        for (i, v) in values.enumerated() {
            let ms = i < times.count ? times[i] : .min  // trap-ok: checked
            if let bound, ms != .min {
                r.append(bound.passes(ms))
            } else {
                r.append(reference.test(test, .value(v)))
            }
        }
        attributeMemos[key] = r
        return r
    }

    /// Profiles whose figure passes the test.
    func figureTest(_ column: FigureColumn, _ test: ValueTest) -> Bits {
        let missing = reference.test(test, .missing)
        let reference = reference
        switch column {
        case .numbers(let xs):
            if let fast = NumberTest(test) { return numbers(xs, fast, missing: missing) }
            return Bits.select(within: table.alive, xs, absent: .nan) { x in
                x.isNaN ? missing : reference.test(test, .value(.number(x)))
            }
        case .times(let ts):
            if let bound = TimeBound(test, now: now) {
                let millis = bound.millis
                return bound.before
                    ? Bits.select(within: table.alive, ts, absent: .min) { t in t == .min ? missing : t < millis }
                    : Bits.select(within: table.alive, ts, absent: .min) { t in t == .min ? missing : t >= millis }
            }
            return Bits.select(within: table.alive, ts, absent: .min) { t in
                t == .min ? missing : reference.test(test, .time(t))
            }
        case .values:
            // Only computed traits have value figures; conditions do not.
            return Bits(count: table.count)
        }
    }

    /// Live profiles whose number passes a numeric test (NaN: none, which gives `missing`), one loop per comparison.
    func numbers(_ xs: [Double], _ fast: NumberTest, missing: Bool) -> Bits {
        let alive = table.alive, n = fast.literal
        if let exists = fast.exists { return Bits.select(within: alive, xs, absent: .nan) { x in x.isNaN ? missing : exists } }
        switch fast.op {
        case .equal: return Bits.select(within: alive, xs, absent: .nan) { x in x == n || (missing && x.isNaN) }
        case .notEqual: return Bits.select(within: alive, xs, absent: .nan) { x in x.isNaN ? missing : x != n }
        case .less: return Bits.select(within: alive, xs, absent: .nan) { x in x < n || (missing && x.isNaN) }
        case .lessOrEqual: return Bits.select(within: alive, xs, absent: .nan) { x in x <= n || (missing && x.isNaN) }
        case .greater: return Bits.select(within: alive, xs, absent: .nan) { x in x > n || (missing && x.isNaN) }
        case .greaterOrEqual: return Bits.select(within: alive, xs, absent: .nan) { x in x >= n || (missing && x.isNaN) }
        case nil: return Bits.select(within: alive, xs, absent: .nan) { x in x.isNaN && missing }
        }
    }

    // MARK: - Figures

    static func collectFigures(_ c: Condition, into keys: inout Set<FigureKey>) {
        switch c {
        case .all(let cs), .any(let cs): for inner in cs { collectFigures(inner, into: &keys) }
        case .not(let inner): collectFigures(inner, into: &keys)
        case .events(let e): keys.insert(FigureKey(e))
        default: break
        }
    }

    static func collectSequences(_ c: Condition, into found: inout Set<SequenceTest>) {
        switch c {
        case .all(let cs), .any(let cs): for inner in cs { collectSequences(inner, into: &found) }
        case .not(let inner): collectSequences(inner, into: &found)
        case .sequence(let q): found.insert(q)
        default: break
        }
    }

    /// What one worker computes: the figures of one event name, or one sequence.
    enum Work: Sendable {
        case figures(String?, [FigureKey])
        case sequence(SequenceTest)
    }

    enum Done: Sendable {
        case figures([(FigureKey, FigureColumn)])
        case sequence(SequenceTest, Bits)
    }

    /// Computes every figure and every sequence, spread over the cores.
    mutating func computeFigures(_ keys: Set<FigureKey>, sequences: Set<SequenceTest>, scanner: FigureScanner) {
        // One item per event name: its figures share the passes of their filters over its table.
        var byName: [String?: [FigureKey]] = [:]
        for k in keys { byName[k.filter.name, default: []].append(k) }
        var work = byName.map { Work.figures($0.key, $0.value) }
        work += sequences.map { Work.sequence($0) }
        let index = index
        let done = Parallel.map(work, cost: { item in
            // Rows read, times the figures reading them.
            func rows(_ name: String?) -> Int {
                guard let name else { return index.count }
                return index.names.existing(name).map { Int($0) < index.tables.count ? index.tables[Int($0)].count : 0 } ?? 0  // trap-ok: checked
            }
            switch item {
            case .figures(let name, let group): return rows(name) * group.count
            case .sequence(let q): return 4 * (rows(q.first.name) + rows(q.second.name))
            }
        }, { [self] item -> Done in
            switch item {
            case .figures(let name, let group): return .figures(scanner.compute(name, group))
            case .sequence(let q): return .sequence(q, sequence(q))
            }
        })
        for d in done {
            switch d {
            case .figures(let columns): for (key, column) in columns { figures[key] = column }
            case .sequence(let q, let bits): sequenceResults[q] = bits
            }
        }
    }

    // MARK: - Sequences

    /// Profiles with an A followed (or, `without`, not followed) by a B.
    ///
    /// The events of the two names are met in (time, log) order — the two
    /// tables merged — keeping per profile the latest A (for `then`: a B
    /// within the gap of the latest A before it decides) or the earliest A
    /// not yet followed by a B (for `without`: if even that one was followed
    /// in time, every later one was). A profile whose events are not met in
    /// (time, log) order (logged late) is decided from its history instead.
    func sequence(_ q: SequenceTest) -> Bits {
        guard let scanner, let aName = q.first.name, let bName = q.second.name else { return sequenceByHistory(q) }
        let n = table.count
        var out = Bits(count: n)
        guard let aId = index.names.existing(aName).map(Int.init), aId < index.tables.count, aId < scanner.owners.count
        else { return out }
        let bId = index.names.existing(bName).map(Int.init).flatMap { $0 < index.tables.count && $0 < scanner.owners.count ? $0 : nil }
        let aRange = q.window?.range(now: now)
        let tA = index.tables[aId], ownersA = scanner.owners[aId]  // trap-ok: checked
        guard ownersA.count == tA.count else { return out }
        // No A lies before the window's first block, so no B there can follow one.
        let from = aRange.map { tA.firstOrdinal(notBefore: $0.lowerBound) } ?? 0
        let testA = q.first.condition.map { RowTest($0, index: index, evaluator: reference) }
        let passA = RowTest.passes(testA, table: tA, nameId: aId, from: from, owners: ownersA)
        var tB = NameTable(), ownersB: [UInt32] = [], passB: [Bool] = [], fromB = 0
        if let bId {
            tB = index.tables[bId]  // trap-ok: checked
            ownersB = scanner.owners[bId]  // trap-ok: checked
            fromB = aRange.map { tB.firstOrdinal(notBefore: $0.lowerBound) } ?? 0
            let testB = q.second.condition.map { RowTest($0, index: index, evaluator: reference) }
            if ownersB.count == tB.count { passB = RowTest.passes(testB, table: tB, nameId: bId, from: fromB, owners: ownersB) }
        }
        let same = bId == aId
        let gap = q.gap.millis, absent = q.absent, now = now
        // Each profile's state in one record, so that meeting an event touches one place in memory.
        var state = [SequenceState](repeating: SequenceState(), count: n)
        // `then`: the positions that may still come to hold — a B of theirs passes, and it has not held yet.
        // The others' events are skipped: a small set of bits stands in for their records.
        var open = [UInt64](repeating: absent ? ~0 : 0, count: (n &+ 63) / 64)
        if !absent {
            for j in fromB..<min(tB.count, fromB &+ passB.count, ownersB.count) where passB[j &- fromB] {  // trap-ok: fromB ≤ j < fromB + passB.count
                let pos = Int(ownersB[j])  // trap-ok: j < ownersB.count
                if pos &>> 6 < open.count { open[pos &>> 6] |= 1 &<< UInt64(pos & 63) }  // trap-ok: checked
            }
        }
        @inline(__always) func isOpen(_ pos: Int) -> Bool {
            let w = pos &>> 6
            return w < open.count && open[w] & (1 &<< UInt64(pos & 63)) != 0  // trap-ok: checked
        }
        @inline(__always) func end(_ t: Int64) -> Int64 {
            let (e, o) = t.addingReportingOverflow(gap)
            return o ? .max : e
        }
        @inline(__always) func meet(_ pos: Int, _ time: Int64, _ row: UInt32, isA: Bool, isB: Bool) {
            var s = state[pos]  // trap-ok: passing ordinals have owners < n
            if (time, row) < (s.lastTime, s.lastRow) { s.flags |= SequenceState.disordered }
            (s.lastTime, s.lastRow) = (time, row)
            // A B never follows its own event: the B side first.
            if isB, s.flags & SequenceState.hasA != 0 {
                if !absent {
                    if time <= end(s.aTime) {
                        // Held: nothing later changes that.
                        s.flags |= SequenceState.holds
                        open[pos &>> 6] &= ~(1 &<< UInt64(pos & 63))  // trap-ok: open positions are below n
                    }
                } else {
                    let e = end(s.aTime)
                    if time > e && e <= now { s.flags |= SequenceState.holds }
                    s.flags &= ~SequenceState.hasA
                }
            }
            if isA {
                // `then`: the latest A; `without`: the earliest A not yet followed.
                if !absent || s.flags & SequenceState.hasA == 0 { s.aTime = time }
                s.flags |= SequenceState.hasA
            }
            state[pos] = s  // trap-ok: as above
        }
        let timesA = tA.times, rowsA = tA.rows, timesB = tB.times, rowsB = tB.rows
        var i = from, j = fromB
        let endA = min(tA.count, from &+ passA.count), endB = min(tB.count, fromB &+ passB.count)
        while i < endA || (!same && j < endB) {
            // Take the earlier of the two heads in (time, row) order.
            let takeA = same || j >= endB || (i < endA && (timesA[i], rowsA[i]) < (timesB[j], rowsB[j]))  // trap-ok: checked
            if takeA {
                let time = timesA[i]  // trap-ok: i < endA ≤ count
                let isA = passA[i &- from] && (aRange?.contains(time) ?? true)  // trap-ok: from ≤ i < from + passA.count
                let isB = same && i &- fromB >= 0 && i &- fromB < passB.count && passB[i &- fromB]  // trap-ok: checked
                if isA || isB, isOpen(Int(ownersA[i])) { meet(Int(ownersA[i]), time, rowsA[i], isA: isA, isB: isB) }  // trap-ok: passing ordinals have owners < n
                i &+= 1
            } else {
                if passB[j &- fromB], isOpen(Int(ownersB[j])) { meet(Int(ownersB[j]), timesB[j], rowsB[j], isA: false, isB: true) }  // trap-ok: fromB ≤ j < endB
                j &+= 1
            }
        }
        var disordered = Bits(count: n)
        for (pos, s) in state.enumerated() {
            // An A no B followed at all.
            if s.flags & SequenceState.holds != 0 || (absent && s.flags & SequenceState.hasA != 0 && end(s.aTime) <= now) {
                out[pos] = true
            }
            if s.flags & SequenceState.disordered != 0 { disordered[pos] = true }
        }
        if disordered.nonzeroBitCount > 0 {
            let first = RowFilter(q.first, index: index, evaluator: reference)
            let second = RowFilter(q.second, index: index, evaluator: reference)
            for pos in disordered.positions where table.alive[pos] {
                out[pos] = holdsByHistory(q, pos: pos, first: first, second: second)
            }
        }
        out.formIntersection(table.alive)
        return out
    }

    /// Whether one profile's history (in (time, log) order) has the sequence.
    func holdsByHistory(_ q: SequenceTest, pos: Int, first: RowFilter, second: RowFilter) -> Bool {
        guard pos < table.slotsOf.count else { return false }
        var history = index.rows(ofSlots: table.slotsOf[pos], nameId: nil)  // trap-ok: checked
        if horizon != .max { history.removeAll { index.time(Int($0)) >= horizon } }
        let aRange = q.window?.range(now: now)
        var firsts: [Int] = [], seconds: [Int] = []
        for (i, r) in history.enumerated() {
            let row = Int(r)
            if aRange?.contains(index.time(row)) ?? true, first.passes(row, index) { firsts.append(i) }
            if second.passes(row, index) { seconds.append(i) }
        }
        return ConditionEvaluator.sequenceHolds(firsts: firsts, seconds: seconds,
                                                time: { index.time(Int(history[$0])) },  // trap-ok: positions of history
                                                gap: q.gap.millis, absent: q.absent, now: now)
    }

    /// A sequence with `any event` on one side: each profile's whole history.
    func sequenceByHistory(_ q: SequenceTest) -> Bits {
        var out = Bits(count: table.count)
        let first = RowFilter(q.first, index: index, evaluator: reference)
        let second = RowFilter(q.second, index: index, evaluator: reference)
        table.alive.forEachSet { pos in
            if holdsByHistory(q, pos: pos, first: first, second: second) { out[pos] = true }
        }
        return out
    }
}

// MARK: - Parts

/// What a figure measures: an aggregate, or a computed trait's value figure.
enum Measure: Hashable {
    case aggregate(EventTest.Aggregate)
    case mostFrequent([String]), firstValue([String]), lastValue([String])
}

/// A figure of the events a filter and a window select; equal keys are computed once.
struct FigureKey: Hashable {
    var measure: Measure
    var filter: EventFilter
    var window: Window?

    init(_ e: EventTest) {
        measure = .aggregate(e.aggregate)
        filter = e.filter
        window = e.window
    }

    init(_ t: TraitExpression) {
        switch t.figure {
        case .aggregate(let a): measure = .aggregate(a)
        case .mostFrequent(let p): measure = .mostFrequent(p)
        case .firstValue(let p): measure = .firstValue(p)
        case .lastValue(let p): measure = .lastValue(p)
        }
        filter = t.filter
        window = t.window
    }

    /// The path the measure reads, if any.
    var path: [String]? {
        switch measure {
        case .aggregate(let a): a.propertyPath
        case .mostFrequent(let p), .firstValue(let p), .lastValue(let p): p
        }
    }
}

/// A figure for every profile position.
enum FigureColumn {
    /// NaN: none (avg, min, max of no numbers).
    case numbers([Double])
    /// `Int64.min`: none.
    case times([Int64])
    /// (path id, value id + 1) per position; 0: none.
    case values(path: Int, ids: [UInt32])

    static func empty(_ key: FigureKey, count: Int) -> FigureColumn {
        switch key.measure {
        case .aggregate(.firstTime), .aggregate(.lastTime): return .times(Array(repeating: .min, count: count))
        case .aggregate(let a):
            // Counts, sums and distinct counts of nothing are 0.
            let zero: Bool
            switch a {
            case .count, .sum, .distinct: zero = true
            default: zero = false
            }
            return .numbers(Array(repeating: zero ? 0 : .nan, count: count))
        case .mostFrequent, .firstValue, .lastValue: return .values(path: -1, ids: Array(repeating: 0, count: count))
        }
    }

    /// As a computed trait's column.
    func column(for expression: TraitExpression, index: AudienceIndex) -> TraitColumn {
        switch self {
        case .numbers(let xs): return TraitColumn(numbers: xs)
        case .times(let ts): return TraitColumn(times: ts)
        case .values(let path, let ids):
            if path == -2 { return TraitColumn(valueIds: ids, items: index.names.items.map { .string($0) }) }
            guard path >= 0, path < index.values.count else { return TraitColumn(for: expression, count: ids.count) }
            return TraitColumn(valueIds: ids, items: index.values[path].items)  // trap-ok: checked
        }
    }
}

/// An event filter compiled for rows: its name as an id, its `where` as a
/// ``RowTest``.
struct RowFilter {
    /// `nil`: any name; `.some(nil)`: a name no event has.
    let name: UInt32??
    let test: RowTest?

    init(_ f: EventFilter, index: AudienceIndex, evaluator: ConditionEvaluator) {
        name = f.name.map { index.names.existing($0) }
        test = f.condition.map { RowTest($0, index: index, evaluator: evaluator) }
    }

    @inline(__always)
    func passes(_ row: Int, _ index: AudienceIndex) -> Bool {
        if let name {
            guard let id = name, index.rowName[row] == id else { return false }  // trap-ok: rows of the index
        }
        return test?.passes(row, index) ?? true
    }
}

/// A `where` condition over an event's values, as nodes in an array (the
/// root last), each value test worked out once per distinct value of its path.
struct RowTest {
    enum Kind { case constant, all, any, not, value, name }

    struct Node {
        var kind: Kind
        var constant = false
        /// For `value`: the path id.
        var path = 0
        /// For `value` and `name`: the test's results in ``RowTest/results``.
        var results = 0
        /// Children in ``RowTest/children``.
        var first = 0
        var count = 0
    }

    private(set) var nodes: [Node] = []
    private(set) var children: [Int] = []
    /// Per test: its result by value id + 1 (0: missing), as the index's columns number values.
    private(set) var results: [[Bool]] = []

    init(_ c: Condition, index: AudienceIndex, evaluator: ConditionEvaluator) {
        _ = add(c, index, evaluator)
    }

    private mutating func add(_ c: Condition, _ index: AudienceIndex, _ evaluator: ConditionEvaluator) -> Int {
        switch c {
        case .all(let cs), .any(let cs):
            let ids = cs.map { add($0, index, evaluator) }
            var node = Node(kind: { if case .all = c { return .all } else { return .any } }())
            node.first = children.count
            node.count = ids.count
            children += ids
            nodes.append(node)
        case .not(let inner):
            let id = add(inner, index, evaluator)
            var node = Node(kind: .not)
            node.first = children.count
            node.count = 1
            children.append(id)
            nodes.append(node)
        case .constant(let b):
            var node = Node(kind: .constant)
            node.constant = b
            nodes.append(node)
        case .attribute(let path, let test):
            let missing = evaluator.test(test, .missing)
            let p = EventPath(path)
            if p == .name {
                var node = Node(kind: .name)
                node.results = results.count
                results.append([missing] + index.names.items.map { evaluator.test(test, .value(.string($0))) })
                nodes.append(node)
            } else if let p, let id = index.pathId(p), id < index.values.count {
                var node = Node(kind: .value)
                node.path = id
                node.results = results.count
                results.append([missing] + index.values[id].items.map { evaluator.test(test, .value($0)) })  // trap-ok: checked
                nodes.append(node)
            } else {
                var node = Node(kind: .constant)
                node.constant = missing
                nodes.append(node)
            }
        case .segment, .tag, .events, .sequence:
            // Inside a `where` these see no profile and no history: the same for every event.
            var node = Node(kind: .constant)
            node.constant = evaluator.matches(c, EventSubject(event: SubjectEvent(name: "", time: 0)))
            nodes.append(node)
        }
        return nodes.count - 1
    }

    // MARK: One row

    @inline(__always)
    func passes(_ row: Int, _ index: AudienceIndex) -> Bool {
        evaluate(nodes.count - 1, row, index)
    }

    private func evaluate(_ i: Int, _ row: Int, _ index: AudienceIndex) -> Bool {
        guard i >= 0, i < nodes.count else { return false }
        let node = nodes[i]  // trap-ok: checked
        switch node.kind {
        case .constant: return node.constant
        case .value:
            let id = Int(index.valueId(row, path: node.path))
            let r = results[node.results]  // trap-ok: nodes point at their results
            return id < r.count ? r[id] : r.first ?? false  // trap-ok: checked
        case .name:
            let id = Int(index.rowName[row]) &+ 1  // trap-ok: rows of the index
            let r = results[node.results]  // trap-ok: nodes point at their results
            return id < r.count ? r[id] : false  // trap-ok: checked
        case .all:
            for k in node.first..<(node.first + node.count) where !evaluate(children[k], row, index) { return false }  // trap-ok: children of the node
            return true
        case .any:
            for k in node.first..<(node.first + node.count) where evaluate(children[k], row, index) { return true }  // trap-ok: children of the node
            return false
        case .not:
            return !evaluate(node.first < children.count ? children[node.first] : -1, row, index)  // trap-ok: checked
        }
    }

    // MARK: A table's column

    /// Whether each ordinal of a table from `from` passes `test` (every one
    /// when `nil`) and has a live owner.
    static func passes(_ test: RowTest?, table t: NameTable, nameId: Int, from: Int, owners: [UInt32]) -> [Bool] {
        let start = min(max(0, from), t.count)
        var out = test?.column(test.map { $0.nodes.count - 1 } ?? -1, t, nameId, start)
            ?? Array(repeating: true, count: t.count - start)
        for k in start..<min(t.count, owners.count) where owners[k] == ProfileTable.none {  // trap-ok: checked
            out[k &- start] = false  // trap-ok: out has t.count - start entries
        }
        return out
    }

    /// Node `i`'s result for each ordinal of `t` from `from`.
    private func column(_ i: Int, _ t: NameTable, _ nameId: Int, _ from: Int) -> [Bool] {
        let count = t.count - from
        guard i >= 0, i < nodes.count else { return Array(repeating: false, count: count) }
        let node = nodes[i]  // trap-ok: checked
        switch node.kind {
        case .constant: return Array(repeating: node.constant, count: count)
        case .name:
            let r = results[node.results]  // trap-ok: nodes point at their results
            let id = nameId &+ 1
            return Array(repeating: id < r.count ? r[id] : false, count: count)  // trap-ok: checked
        case .value:
            var out = [Bool](repeating: true, count: count)
            merge(node, t, from, all: true, into: &out)
            return out
        case .all, .any:
            let all = node.kind == .all
            var out = Array(repeating: all, count: count)
            for c in node.first..<(node.first + node.count) where c < children.count {  // trap-ok: checked
                let child = children[c]  // trap-ok: checked
                if child >= 0, child < nodes.count, nodes[child].kind == .value {  // trap-ok: checked
                    // A value test straight into the result, without a column of its own.
                    merge(nodes[child], t, from, all: all, into: &out)  // trap-ok: checked
                    continue
                }
                let inner = column(child, t, nameId, from)
                for k in out.indices where k < inner.count {  // trap-ok: indices
                    out[k] = all ? (out[k] && inner[k]) : (out[k] || inner[k])  // trap-ok: checked
                }
            }
            return out
        case .not:
            var out = column(node.first < children.count ? children[node.first] : -1, t, nameId, from)  // trap-ok: checked
            for k in out.indices { out[k].toggle() }  // trap-ok: indices
            return out
        }
    }

    /// A value node's result for each ordinal of `t` from `from`, and-ed (or or-ed) into `out`.
    private func merge(_ node: Node, _ t: NameTable, _ from: Int, all: Bool, into out: inout [Bool]) {
        let r = node.results < results.count ? results[node.results] : []  // trap-ok: checked
        let missing = r.first ?? false
        guard node.path < t.columns.count, t.columns[node.path].count == t.count else {  // trap-ok: checked
            for k in out.indices { out[k] = all ? out[k] && missing : out[k] || missing }  // trap-ok: indices
            return
        }
        let values = t.columns[node.path]  // trap-ok: checked
        let end = min(t.count, from &+ out.count)
        var k = max(0, from)
        while k < end {
            let id = Int(values[k])  // trap-ok: k < t.count = values.count
            let v = id < r.count ? r[id] : missing  // trap-ok: checked
            let o = k &- from
            out[o] = all ? out[o] && v : out[o] || v  // trap-ok: from ≤ k < from + out.count
            k &+= 1
        }
    }
}

/// `before t` or `after t` done on milliseconds, as ``ConditionEvaluator/test(_:_:)`` does it for a time.
struct TimeBound {
    let millis: Int64
    let before: Bool

    init?(_ t: ValueTest, now: Int64) {
        switch t {
        case .before(let r): (millis, before) = (r.millis(now: now), true)
        case .after(let r): (millis, before) = (r.millis(now: now), false)
        default: return nil
        }
    }

    @inline(__always)
    func passes(_ t: Int64) -> Bool { before ? t < millis : t >= millis }
}

struct AttributeKey: Hashable {
    var column: Int
    var test: ValueTest
}

/// A numeric test done on the number itself, as ``ConditionEvaluator/test(_:_:)`` does it for `.value(.number(x))`.
struct NumberTest {
    let op: ValueTest.Comparison?
    let literal: Double
    let exists: Bool?

    init?(_ t: ValueTest) {
        switch t {
        case .compare(let op, .number(let n)):
            self.op = op
            literal = n
            exists = nil
        case .exists:
            op = nil
            literal = 0
            exists = true
        case .missing:
            op = nil
            literal = 0
            exists = false
        default: return nil
        }
    }

    @inline(__always)
    func passes(_ x: Double) -> Bool {
        if let exists { return exists }
        switch op {
        case .equal: return x == literal
        case .notEqual: return x != literal
        case .less: return x < literal
        case .lessOrEqual: return x <= literal
        case .greater: return x > literal
        case .greaterOrEqual: return x >= literal
        case nil: return false
        }
    }
}

/// The events of some slots, for the reference evaluator.
struct SlotSubject: ConditionSubject {
    let index: AudienceIndex
    let slots: [AudienceIndex.Slot]
    /// Only events before this time.
    var horizon: Int64 = .max

    func attribute(_ path: [String]) -> JSONValue? { nil }
    func hasTag(_ tag: String) -> Bool { false }
    func isInSegment(_ name: String) -> Bool { false }
    func events(named name: String?) -> [SubjectEvent] {
        var out: [SubjectEvent]
        if let name {
            guard let id = index.names.existing(name) else { return [] }
            out = index.events(ofSlots: slots, nameId: id)
        } else {
            out = index.events(ofSlots: slots, nameId: nil)
        }
        if horizon != .max { out.removeAll { $0.time >= horizon } }
        return out
    }
}

/// One profile's place in a sequence's merged pass (``ColumnarEvaluator/sequence(_:)``).
struct SequenceState {
    /// The (time, row) of the last event met, to notice events not met in order.
    var lastTime: Int64 = .min
    /// The A that decides.
    var aTime: Int64 = 0
    var lastRow: UInt32 = 0
    var flags: UInt32 = 0

    static let hasA: UInt32 = 1
    static let disordered: UInt32 = 2
    static let holds: UInt32 = 4
}
