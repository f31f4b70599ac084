import RapportCore

/// Evaluates every computed trait and segment for every live profile at once,
/// over the columns of an ``AudienceIndex`` and a ``ProfileTable``: the
/// scheduler's full re-evaluation.
///
/// - Every figure (count, sum, … of the events a filter and a window select)
///   is computed for all profiles in one pass over the rows of its event name,
///   and figures of one name share that pass.
/// - A `where` test is worked out once per distinct value of its path, then
///   looked up per row; an attribute test once per distinct attribute value.
/// - `and`, `or` and `not` combine sets of profiles as bits.
/// - A sequence walks the history of only the profiles that did its first event.
///
/// It gives what the reference evaluator (``Condition/matches(_:now:)``) gives
/// profile by profile: sums are added in (time, log) order as there, so a
/// profile whose events were not logged in time order has its sums taken by
/// the reference instead.
struct ColumnarEvaluator {
    typealias Row = AudienceIndex.Row

    let index: AudienceIndex
    let table: ProfileTable
    let now: Int64
    let reference: ConditionEvaluator

    private var figures: [FigureKey: FigureColumn] = [:]
    private var traitResults: [String: TraitColumn] = [:]
    private var segmentResults: [String: Bits] = [:]
    private var numberCache: [Int: [Double]] = [:]
    private var attributeMemos: [AttributeKey: [Bool]] = [:]

    init(index: AudienceIndex, table: ProfileTable, now: Int64) {
        self.index = index
        self.table = table
        self.now = now
        reference = ConditionEvaluator(now: now)
    }

    /// The computed traits' columns and the segments' members, in the order given
    /// (segments after those they refer to).
    mutating func run(traits: [ComputedTrait], segments: [SegmentDefinition]) -> (traits: [TraitColumn], segments: [Bits]) {
        var keys: Set<FigureKey> = []
        for t in traits { keys.insert(FigureKey(t.expression)) }
        for s in segments { Self.collectFigures(s.condition, into: &keys) }
        computeFigures(keys)
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
        case .sequence(let q): return sequence(q)
        }
    }

    /// Profiles whose attribute (a computed trait first, as ``AudienceSubject`` reads it) passes the test.
    mutating func attribute(_ path: [String], _ test: ValueTest) -> Bits {
        var out = Bits(count: table.count)
        let trait = path.count == 1 ? path.first.flatMap { traitResults[$0] } : nil
        let column = table.attributeColumn(path)
        // Each distinct value's result, by value id + 1 (0: missing).
        var results: [Bool] = []
        if let column { results = attributeResults(column: column, test: test) }
        let missing = reference.test(test, .missing)
        let fast = NumberTest(test)
        // A time trait is shown as ISO text, which reads back as the same time.
        let timeBound = TimeBound(test, now: now)
        let ids = column.map { table.attributeColumns[$0] } ?? []  // trap-ok: a column of the table
        table.alive.forEachSet { pos in
            if let trait {
                let v = trait.value(at: pos)
                if case .number(let x) = v, let fast {
                    if fast.passes(x) { out[pos] = true }
                    return
                }
                if case .time(let t) = v, let timeBound {
                    if timeBound.passes(t) { out[pos] = true }
                    return
                }
                if let json = v.json {
                    if reference.test(test, .value(json)) { out[pos] = true }
                    return
                }
            }
            let id = pos < ids.count ? Int(ids[pos]) : 0  // trap-ok: checked
            if id < results.count ? results[id] : missing { out[pos] = true }  // trap-ok: checked
        }
        return out
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
        var out = Bits(count: table.count)
        let missing = reference.test(test, .missing)
        switch column {
        case .numbers(let xs):
            let fast = NumberTest(test)
            table.alive.forEachSet { pos in
                let x = pos < xs.count ? xs[pos] : .nan  // trap-ok: checked
                let inside: Bool
                if x.isNaN {
                    inside = missing
                } else if let fast {
                    inside = fast.passes(x)
                } else {
                    inside = reference.test(test, .value(.number(x)))
                }
                if inside { out[pos] = true }
            }
        case .times(let ts):
            let bound = TimeBound(test, now: now)
            table.alive.forEachSet { pos in
                let t = pos < ts.count ? ts[pos] : .min  // trap-ok: checked
                let inside: Bool
                if t == .min {
                    inside = missing
                } else if let bound {
                    inside = bound.passes(t)
                } else {
                    inside = reference.test(test, .time(t))
                }
                if inside { out[pos] = true }
            }
        case .values:
            // Only computed traits have value figures; conditions do not.
            break
        }
        return out
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

    /// Computes every figure, one pass per event name.
    mutating func computeFigures(_ keys: Set<FigureKey>) {
        var byName: [String?: [FigureKey]] = [:]
        for k in keys { byName[k.filter.name, default: []].append(k) }
        for (name, group) in byName {
            let rows: [Row]?
            if let name {
                guard let id = index.names.existing(name) else {
                    for k in group { figures[k] = FigureColumn.empty(k, count: table.count) }
                    continue
                }
                rows = index.byName[Int(id)]  // trap-ok: name ids index byName
            } else {
                rows = nil
            }
            scan(rows, group)
        }
    }

    /// One pass over `rows` (every row when `nil`) accumulating the figures of `group`.
    private mutating func scan(_ rows: [Row]?, _ group: [FigureKey]) {
        let n = table.count
        var filters: [EventFilter] = []
        var filterOf: [Int] = []
        for k in group {
            if let i = filters.firstIndex(of: k.filter) {
                filterOf.append(i)
            } else {
                filterOf.append(filters.count)
                filters.append(k.filter)
            }
        }
        let tests = filters.map { RowFilter($0, index: index, evaluator: reference) }
        var accumulators = group.map { Accumulator($0, index: index, count: n) }
        for (i, a) in accumulators.enumerated() where a.needsNumbers {
            if a.readsName {
                accumulators[i].numbers = index.names.items.map { ConditionEvaluator.decimal($0) ?? .nan }  // trap-ok: i of accumulators
            } else if let p = a.pathId {
                accumulators[i].numbers = numbers(path: Int(p))  // trap-ok: i of accumulators
            }
        }
        let ranges = group.map { $0.window?.range(now: now) }
        let tracksOrder = accumulators.contains { $0.addsInOrder }
        var lastTime = tracksOrder ? [Int64](repeating: .min, count: n) : []
        var disordered = Bits(count: tracksOrder ? n : 0)
        var passed = [UInt8](repeating: 0, count: filters.count)

        let slots = index.eventSlot, eventTimes = index.eventTime, owners = table.ownerOfSlot
        let rowCount = rows?.count ?? index.count
        for k in 0..<rowCount {
            let row: Int
            if let rows { row = Int(rows[k]) } else { row = k }  // trap-ok: k < rows.count
            let slot = Int(slots[row])  // trap-ok: rows of the index
            let owner = slot < owners.count ? owners[slot] : ProfileTable.none  // trap-ok: checked
            guard owner != ProfileTable.none else { continue }
            let pos = Int(owner)
            let time = eventTimes[row]  // trap-ok: rows of the index
            if tracksOrder {
                if time < lastTime[pos] { disordered[pos] = true } else { lastTime[pos] = time }  // trap-ok: pos < n
            }
            for f in passed.indices { passed[f] = 0 }
            for g in accumulators.indices {
                if let r = ranges[g], !r.contains(time) { continue }  // trap-ok: one range per figure
                let f = filterOf[g]  // trap-ok: one filter per figure
                if passed[f] == 0 { passed[f] = tests[f].passes(row, index) ? 2 : 1 }  // trap-ok: one flag per filter
                if passed[f] == 2 { accumulators[g].add(row: row, pos: pos, time: time, index: index) }  // trap-ok: as above
            }
        }
        for (g, key) in group.enumerated() {
            var column = accumulators[g].finish(index)  // trap-ok: one accumulator per figure
            if accumulators[g].addsInOrder, case .numbers(var xs) = column {  // trap-ok: as above
                // Sums of events logged out of time order, and overflowed totals, as the reference adds them.
                for pos in disordered.positions where pos < xs.count {
                    xs[pos] = referenceFigure(key, pos: pos)  // trap-ok: checked
                }
                for pos in xs.indices where xs[pos].isInfinite {  // trap-ok: indices
                    xs[pos] = referenceFigure(key, pos: pos)  // trap-ok: indices
                }
                column = .numbers(xs)
            }
            figures[key] = column
        }
    }

    /// A numeric figure for one profile, from the reference evaluator.
    private func referenceFigure(_ key: FigureKey, pos: Int) -> Double {
        guard case .aggregate(let agg) = key.measure, pos < table.slotsOf.count else { return .nan }
        let subject = SlotSubject(index: index, slots: table.slotsOf[pos])  // trap-ok: checked
        switch reference.figure(agg, reference.selected(key.filter, key.window, subject)) {
        case .value(.number(let x)): return x
        default: return .nan
        }
    }

    /// Each value of a path as a number (NaN when it is not one).
    private mutating func numbers(path: Int) -> [Double] {
        if let xs = numberCache[path] { return xs }
        let xs = index.values[path].items.map { ConditionEvaluator.number($0) ?? .nan }  // trap-ok: a registered path
        numberCache[path] = xs
        return xs
    }

    // MARK: - Sequences

    /// Profiles with an A followed (or, `without`, not followed) by a B.
    func sequence(_ q: SequenceTest) -> Bits {
        var out = Bits(count: table.count)
        let first = RowFilter(q.first, index: index, evaluator: reference)
        let second = RowFilter(q.second, index: index, evaluator: reference)
        let aRange = q.window?.range(now: now)
        // Only profiles with some A can match.
        var candidates = table.alive
        if let name = q.first.name {
            guard let id = index.names.existing(name) else { return out }
            candidates = Bits(count: table.count)
            for r in index.byName[Int(id)] {  // trap-ok: name ids index byName
                let owner = table.owner(index.eventSlot[Int(r)])  // trap-ok: rows of the index
                if owner != ProfileTable.none, aRange?.contains(index.eventTime[Int(r)]) ?? true { candidates[Int(owner)] = true }  // trap-ok: as above
            }
            candidates.formIntersection(table.alive)
        }
        var firsts: [Int] = [], seconds: [Int] = []
        candidates.forEachSet { pos in
            let slots = table.slotsOf[pos]  // trap-ok: an alive position
            // One slot's rows in time order are the history as they are (the usual case).
            let history: [Row]
            if slots.count == 1, let s = slots.first, Int(s) < index.bySlot.count,
               index.bySlot[Int(s)].isSortedByTime(index.eventTime) {  // trap-ok: checked
                history = index.bySlot[Int(s)]  // trap-ok: checked
            } else {
                history = index.rows(ofSlots: slots, nameId: nil)
            }
            firsts.removeAll(keepingCapacity: true)
            seconds.removeAll(keepingCapacity: true)
            for (i, r) in history.enumerated() {
                let row = Int(r)
                if aRange?.contains(index.eventTime[row]) ?? true, first.passes(row, index) { firsts.append(i) }  // trap-ok: rows of the index
                if second.passes(row, index) { seconds.append(i) }
            }
            if ConditionEvaluator.sequenceHolds(firsts: firsts, seconds: seconds,
                                                time: { index.eventTime[Int(history[$0])] },  // trap-ok: positions of history
                                                gap: q.gap.millis, absent: q.absent, now: now) {
                out[pos] = true
            }
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
            let items: [JSONValue]
            if path == -2 {
                items = index.names.items.map { .string($0) }
            } else if path >= 0, path < index.values.count {
                items = index.values[path].items  // trap-ok: checked
            } else {
                return TraitColumn(values: ids.map { _ in nil })
            }
            return TraitColumn(values: ids.map { $0 == 0 || Int($0) > items.count ? nil : items[Int($0) - 1] })  // trap-ok: checked
        }
    }
}

/// Accumulates one figure over the rows of a scan.
struct Accumulator {
    typealias Row = AudienceIndex.Row

    enum Kind {
        case count, sum, average, minimum, maximum, firstTime, lastTime, distinct, mostFrequent, firstValue, lastValue
    }

    let kind: Kind
    let pathId: UInt32?
    /// The measure reads the event's name (`distinct event of any event`).
    let readsName: Bool
    /// The number of profile positions.
    let n: Int
    /// The path's values as numbers, for numeric aggregates.
    var numbers: [Double] = []
    private var counts: [UInt32] = []
    private var sums: [Double] = []
    private var times: [Int64] = []
    private var rows: [Row] = []
    private var ids: [UInt32] = []
    /// position << 32 | value id, for distinct counts and most frequent values (with their rows).
    private var keys: [UInt64] = []
    private var keyRows: [UInt32] = []
    private let nullId: UInt32?

    init(_ key: FigureKey, index: AudienceIndex, count n: Int) {
        self.n = n
        let path = key.path.flatMap(EventPath.init)
        readsName = path == .name
        pathId = path.flatMap { index.pathId($0) }.map { UInt32(truncatingIfNeeded: $0) }
        if let pathId, Int(pathId) < index.values.count {
            nullId = index.values[Int(pathId)].existing(.null)  // trap-ok: checked
        } else {
            nullId = nil
        }
        switch key.measure {
        case .aggregate(.count): kind = .count
        case .aggregate(.sum): kind = .sum
        case .aggregate(.average): kind = .average
        case .aggregate(.minimum): kind = .minimum
        case .aggregate(.maximum): kind = .maximum
        case .aggregate(.distinct): kind = .distinct
        case .aggregate(.firstTime): kind = .firstTime
        case .aggregate(.lastTime): kind = .lastTime
        case .mostFrequent: kind = .mostFrequent
        case .firstValue: kind = .firstValue
        case .lastValue: kind = .lastValue
        }
        switch kind {
        case .count: counts = Array(repeating: 0, count: n)
        case .sum: sums = Array(repeating: 0, count: n)
        case .average:
            sums = Array(repeating: 0, count: n)
            counts = Array(repeating: 0, count: n)
        case .minimum, .maximum: sums = Array(repeating: .nan, count: n)
        case .distinct, .mostFrequent: break
        case .firstTime: times = Array(repeating: .max, count: n)
        case .lastTime: times = Array(repeating: .min, count: n)
        case .firstValue, .lastValue:
            times = Array(repeating: kind == .firstValue ? .max : .min, count: n)
            rows = Array(repeating: 0, count: n)
            ids = Array(repeating: 0, count: n)
        }
    }

    var needsNumbers: Bool { kind == .sum || kind == .average || kind == .minimum || kind == .maximum }

    /// Sums depend on the order they are added in.
    var addsInOrder: Bool { kind == .sum || kind == .average }

    /// The value id a row has for the measure's path, if it has one.
    @inline(__always)
    private func valueId(_ row: Int, _ index: AudienceIndex) -> UInt32? {
        if readsName { return index.eventName[row] }  // trap-ok: rows of the index
        guard let pathId else { return nil }
        return index.valueId(row, path: pathId)
    }

    /// Where the measure's values are: a path's number, or -2 for event names.
    var valuesSource: Int { readsName ? -2 : pathId.map(Int.init) ?? -1 }

    /// The number value of a row, if it has one.
    @inline(__always)
    private func number(_ row: Int, _ index: AudienceIndex) -> Double? {
        guard let id = valueId(row, index), Int(id) < numbers.count else { return nil }
        let x = numbers[Int(id)]  // trap-ok: checked
        return x.isNaN ? nil : x
    }

    @inline(__always)
    mutating func add(row: Int, pos: Int, time: Int64, index: AudienceIndex) {
        switch kind {
        case .count: counts[pos] &+= 1  // trap-ok: pos < n
        case .sum:
            if let x = number(row, index) { sums[pos] += x }  // trap-ok: pos < n
        case .average:
            if let x = number(row, index) {
                sums[pos] += x  // trap-ok: pos < n
                counts[pos] &+= 1  // trap-ok: pos < n
            }
        case .minimum:
            if let x = number(row, index), sums[pos].isNaN || x < sums[pos] { sums[pos] = x }  // trap-ok: pos < n
        case .maximum:
            if let x = number(row, index), sums[pos].isNaN || x > sums[pos] { sums[pos] = x }  // trap-ok: pos < n
        case .firstTime: if time < times[pos] { times[pos] = time }  // trap-ok: pos < n
        case .lastTime: if time > times[pos] { times[pos] = time }  // trap-ok: pos < n
        case .distinct, .mostFrequent:
            guard let id = valueId(row, index), id != nullId else { return }
            keys.append(UInt64(truncatingIfNeeded: pos) << 32 | UInt64(id))
            if kind == .mostFrequent { keyRows.append(UInt32(truncatingIfNeeded: row)) }
        case .firstValue:
            guard let id = valueId(row, index), id != nullId else { return }
            let r = Row(truncatingIfNeeded: row)
            if ids[pos] == 0 || (time, r) < (times[pos], rows[pos]) {  // trap-ok: pos < n
                (times[pos], rows[pos], ids[pos]) = (time, r, id &+ 1)  // trap-ok: pos < n
            }
        case .lastValue:
            guard let id = valueId(row, index), id != nullId else { return }
            let r = Row(truncatingIfNeeded: row)
            if ids[pos] == 0 || (time, r) > (times[pos], rows[pos]) {  // trap-ok: pos < n
                (times[pos], rows[pos], ids[pos]) = (time, r, id &+ 1)  // trap-ok: pos < n
            }
        }
    }

    mutating func finish(_ index: AudienceIndex) -> FigureColumn {
        switch kind {
        case .count: return .numbers(counts.map { Double($0) })
        case .sum: return .numbers(sums.map(ConditionEvaluator.finite))
        case .average:
            var out = [Double](repeating: .nan, count: n)
            for i in 0..<n where counts[i] > 0 {  // trap-ok: i < n = counts.count
                let mean = sums[i] / Double(counts[i])  // trap-ok: as above
                // An overflowed total stays infinite: the evaluator takes it from the reference.
                out[i] = sums[i].isFinite ? ConditionEvaluator.finite(mean) : .infinity  // trap-ok: as above
            }
            return .numbers(out)
        case .minimum, .maximum: return .numbers(sums)
        case .firstTime: return .times(times.map { $0 == .max ? .min : $0 })
        case .lastTime: return .times(times)
        case .distinct:
            var out = [Double](repeating: 0, count: n)
            RadixSort.sort(&keys)
            var previous = UInt64.max
            for k in keys where k != previous {
                let pos = Int(k >> 32)
                if pos < n { out[pos] += 1 }  // trap-ok: checked
                previous = k
            }
            return .numbers(out)
        case .mostFrequent:
            var ids = [UInt32](repeating: 0, count: n)
            // Stable: one key's rows stay ascending.
            RadixSort.sort(&keys, carrying: &keyRows)
            let eventTime = index.eventTime
            var i = 0
            // Per position: the value with most events; ties to the one whose last event is latest.
            var bestPos = -1
            var best: (count: Int, time: Int64, row: UInt32) = (0, .min, 0)
            while i < keys.count {
                let key = keys[i]  // trap-ok: i < count
                let pos = Int(key >> 32)
                var c = 0
                var last: (Int64, UInt32) = (.min, 0)
                while i < keys.count, keys[i] == key {  // trap-ok: checked
                    let r = keyRows[i]  // trap-ok: one row per key
                    let t = Int(r) < eventTime.count ? eventTime[Int(r)] : .min  // trap-ok: checked
                    if (t, r) > last { last = (t, r) }
                    c += 1
                    i += 1
                }
                if pos != bestPos { (bestPos, best) = (pos, (0, .min, 0)) }
                if (best.count, best.time, best.row) < (c, last.0, last.1), pos < n {
                    best = (c, last.0, last.1)
                    ids[pos] = UInt32(truncatingIfNeeded: key) &+ 1  // trap-ok: checked
                }
            }
            return .values(path: valuesSource, ids: ids)
        case .firstValue, .lastValue: return .values(path: valuesSource, ids: ids)
        }
    }
}

/// An event filter compiled for rows: its name as an id, its `where` as a
/// flat list of nodes whose value tests were worked out once per distinct
/// value of their path.
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
            guard let id = name, index.eventName[row] == id else { return false }  // trap-ok: rows of the index
        }
        return test?.passes(row, index) ?? true
    }
}

/// A `where` condition over an event's values, as nodes in an array (the root last).
struct RowTest {
    enum Kind { case constant, all, any, not, value, name }

    struct Node {
        var kind: Kind
        var constant = false
        /// For `value`: the path id (`UInt32.max`: not registered, always missing).
        var path: UInt32 = 0
        /// For `value` and `name`: the test's results in ``RowTest/results``.
        var results = 0
        /// Children in ``RowTest/children``.
        var first = 0
        var count = 0
    }

    private(set) var nodes: [Node] = []
    private(set) var children: [Int] = []
    /// Per test: its result by value id + 1 (0: missing).
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
                node.path = UInt32(truncatingIfNeeded: id)
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
            let id = index.valueId(row, path: node.path).map { Int($0) &+ 1 } ?? 0
            let r = results[node.results]  // trap-ok: nodes point at their results
            return id < r.count ? r[id] : r.first ?? false  // trap-ok: checked
        case .name:
            let id = Int(index.eventName[row]) &+ 1  // trap-ok: rows of the index
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

    func attribute(_ path: [String]) -> JSONValue? { nil }
    func hasTag(_ tag: String) -> Bool { false }
    func isInSegment(_ name: String) -> Bool { false }
    func events(named name: String?) -> [SubjectEvent] {
        guard let name else { return index.events(ofSlots: slots, nameId: nil) }
        guard let id = index.names.existing(name) else { return [] }
        return index.events(ofSlots: slots, nameId: id)
    }
}
