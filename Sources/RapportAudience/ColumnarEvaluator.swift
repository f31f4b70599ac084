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
    private var attributeMemos: [AttributeKey: ValueMemo] = [:]

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
        var memo: ValueMemo?
        if let column { memo = self.memo(column: column, test: test) }
        let fast = NumberTest(test)
        for pos in table.alive.positions {
            if let trait {
                let v = trait.value(at: pos)
                if case .number(let x) = v, let fast {
                    if fast.passes(x) { out[pos] = true }
                    continue
                }
                if let json = v.json {
                    if reference.test(test, .value(json)) { out[pos] = true }
                    continue
                }
            }
            if let column, let memo {
                if memo.passes(table.attributeColumns[column][pos]) { out[pos] = true }  // trap-ok: columns are count long
            } else if reference.test(test, .missing) {
                out[pos] = true
            }
        }
        return out
    }

    private mutating func memo(column k: Int, test: ValueTest) -> ValueMemo {
        let key = AttributeKey(column: k, test: test)
        if let m = attributeMemos[key] { return m }
        let m = ValueMemo(test: test, values: table.attributeValues[k].items, evaluator: reference)  // trap-ok: a column of the table
        attributeMemos[key] = m
        return m
    }

    /// Profiles whose figure passes the test.
    func figureTest(_ column: FigureColumn, _ test: ValueTest) -> Bits {
        var out = Bits(count: table.count)
        switch column {
        case .numbers(let xs):
            let fast = NumberTest(test)
            let missing = reference.test(test, .missing)
            for pos in table.alive.positions {
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
            let missing = reference.test(test, .missing)
            for pos in table.alive.positions {
                let t = pos < ts.count ? ts[pos] : .min  // trap-ok: checked
                if t == .min ? missing : reference.test(test, .time(t)) { out[pos] = true }
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
            scan(rows, group.sorted { "\($0)" < "\($1)" })
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
            var column = accumulators[g].finish()  // trap-ok: one accumulator per figure
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
        var candidates = Bits(count: table.count)
        let aRows: [Row]
        if let name = q.first.name {
            guard let id = index.names.existing(name) else { return out }
            aRows = index.byName[Int(id)]  // trap-ok: name ids index byName
        } else {
            aRows = []
        }
        if q.first.name == nil {
            candidates = table.alive
        } else {
            for r in aRows {
                let owner = table.owner(index.eventSlot[Int(r)])  // trap-ok: rows of the index
                if owner != ProfileTable.none, aRange?.contains(index.eventTime[Int(r)]) ?? true { candidates[Int(owner)] = true }  // trap-ok: as above
            }
            candidates.formIntersection(table.alive)
        }
        let gap = q.gap.millis
        for pos in candidates.positions {
            let history = index.rows(ofSlots: table.slotsOf[pos], nameId: nil)  // trap-ok: an alive position
            var firsts: [Int] = [], seconds: [Int] = []
            for (i, r) in history.enumerated() {
                let row = Int(r)
                if aRange?.contains(index.eventTime[row]) ?? true, first.passes(row, index) { firsts.append(i) }  // trap-ok: rows of the index
                if second.passes(row, index) { seconds.append(i) }
            }
            var matched = false
            for i in firsts {
                let a = index.eventTime[Int(history[i])]  // trap-ok: an index of history
                let (deadline, o) = a.addingReportingOverflow(gap)
                let end = o ? Int64.max : deadline
                var lo = 0, hi = seconds.count
                while lo < hi {
                    let mid = lo + (hi - lo) / 2
                    if seconds[mid] <= i { lo = mid + 1 } else { hi = mid }  // trap-ok: lo ≤ mid < hi ≤ count
                }
                let followed = lo < seconds.count && index.eventTime[Int(history[seconds[lo]])] <= end  // trap-ok: checked
                if q.absent ? (!followed && end <= now) : followed {
                    matched = true
                    break
                }
            }
            if matched { out[pos] = true }
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
struct FigureKey: Hashable, CustomStringConvertible {
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

    var description: String { "\(measure) \(filter) \(String(describing: window))" }

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
    let key: FigureKey
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
    /// (position, value id, time, row) for distinct counts and most frequent values.
    private var seen: [(UInt32, UInt32, Int64, Row)] = []
    private let nullIds: Set<UInt32>

    typealias Row = AudienceIndex.Row

    init(_ key: FigureKey, index: AudienceIndex, count n: Int) {
        self.key = key
        self.n = n
        let path = key.path.flatMap(EventPath.init)
        readsName = path == .name
        pathId = path.flatMap { index.pathId($0) }.map { UInt32(truncatingIfNeeded: $0) }
        if let pathId, Int(pathId) < index.values.count, let nullId = index.values[Int(pathId)].existing(.null) {  // trap-ok: checked
            nullIds = [nullId]
        } else {
            nullIds = []
        }
        switch key.measure {
        case .aggregate(.count): counts = Array(repeating: 0, count: n)
        case .aggregate(.sum): sums = Array(repeating: 0, count: n)
        case .aggregate(.average):
            sums = Array(repeating: 0, count: n)
            counts = Array(repeating: 0, count: n)
        case .aggregate(.minimum), .aggregate(.maximum): sums = Array(repeating: .nan, count: n)
        case .aggregate(.distinct), .mostFrequent: break
        case .aggregate(.firstTime): times = Array(repeating: .max, count: n)
        case .aggregate(.lastTime): times = Array(repeating: .min, count: n)
        case .firstValue:
            times = Array(repeating: .max, count: n)
            rows = Array(repeating: 0, count: n)
            ids = Array(repeating: 0, count: n)
        case .lastValue:
            times = Array(repeating: .min, count: n)
            rows = Array(repeating: 0, count: n)
            ids = Array(repeating: 0, count: n)
        }
    }

    var needsNumbers: Bool {
        switch key.measure {
        case .aggregate(.sum), .aggregate(.average), .aggregate(.minimum), .aggregate(.maximum): true
        default: false
        }
    }

    /// Sums depend on the order they are added in.
    var addsInOrder: Bool {
        switch key.measure {
        case .aggregate(.sum), .aggregate(.average): true
        default: false
        }
    }

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

    mutating func add(row: Int, pos: Int, time: Int64, index: AudienceIndex) {
        switch key.measure {
        case .aggregate(.count): counts[pos] &+= 1  // trap-ok: pos < n
        case .aggregate(.sum):
            if let x = number(row, index) { sums[pos] += x }  // trap-ok: pos < n
        case .aggregate(.average):
            if let x = number(row, index) {
                sums[pos] += x  // trap-ok: pos < n
                counts[pos] &+= 1  // trap-ok: pos < n
            }
        case .aggregate(.minimum):
            if let x = number(row, index), sums[pos].isNaN || x < sums[pos] { sums[pos] = x }  // trap-ok: pos < n
        case .aggregate(.maximum):
            if let x = number(row, index), sums[pos].isNaN || x > sums[pos] { sums[pos] = x }  // trap-ok: pos < n
        case .aggregate(.firstTime): times[pos] = min(times[pos], time)  // trap-ok: pos < n
        case .aggregate(.lastTime): times[pos] = max(times[pos], time)  // trap-ok: pos < n
        case .aggregate(.distinct), .mostFrequent:
            guard let id = valueId(row, index), !nullIds.contains(id) else { return }
            seen.append((UInt32(truncatingIfNeeded: pos), id, time, Row(truncatingIfNeeded: row)))
        case .firstValue:
            guard let id = valueId(row, index), !nullIds.contains(id) else { return }
            let r = Row(truncatingIfNeeded: row)
            if ids[pos] == 0 || (time, r) < (times[pos], rows[pos]) {  // trap-ok: pos < n
                (times[pos], rows[pos], ids[pos]) = (time, r, id &+ 1)  // trap-ok: pos < n
            }
        case .lastValue:
            guard let id = valueId(row, index), !nullIds.contains(id) else { return }
            let r = Row(truncatingIfNeeded: row)
            if ids[pos] == 0 || (time, r) > (times[pos], rows[pos]) {  // trap-ok: pos < n
                (times[pos], rows[pos], ids[pos]) = (time, r, id &+ 1)  // trap-ok: pos < n
            }
        }
    }

    mutating func finish() -> FigureColumn {
        switch key.measure {
        case .aggregate(.count): return .numbers(counts.map { Double($0) })
        case .aggregate(.sum): return .numbers(sums.map(ConditionEvaluator.finite))
        case .aggregate(.average):
            var out = [Double](repeating: .nan, count: n)
            for i in 0..<n where counts[i] > 0 {  // trap-ok: i < n = counts.count
                let mean = sums[i] / Double(counts[i])  // trap-ok: as above
                // An overflowed total stays infinite: the evaluator takes it from the reference.
                out[i] = sums[i].isFinite ? ConditionEvaluator.finite(mean) : .infinity  // trap-ok: as above
            }
            return .numbers(out)
        case .aggregate(.minimum), .aggregate(.maximum): return .numbers(sums)
        case .aggregate(.firstTime): return .times(times.map { $0 == .max ? .min : $0 })
        case .aggregate(.lastTime): return .times(times)
        case .aggregate(.distinct):
            var out = [Double](repeating: 0, count: n)
            seen.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            var previous: (UInt32, UInt32)?
            for s in seen where previous.map({ $0 != (s.0, s.1) }) ?? true {
                out[Int(s.0)] += 1  // trap-ok: positions < n
                previous = (s.0, s.1)
            }
            return .numbers(out)
        case .mostFrequent:
            var ids = [UInt32](repeating: 0, count: n)
            seen.sort { ($0.0, $0.1, $0.2, $0.3) < ($1.0, $1.1, $1.2, $1.3) }
            // Per position: the value with most events; ties to the one whose last event is latest.
            var i = 0
            while i < seen.count {
                let pos = seen[i].0  // trap-ok: i < count
                var best: (count: Int, time: Int64, row: Row, id: UInt32)?
                while i < seen.count, seen[i].0 == pos {  // trap-ok: checked
                    let id = seen[i].1  // trap-ok: checked
                    var c = 0
                    var last = (seen[i].2, seen[i].3)  // trap-ok: checked
                    while i < seen.count, seen[i].0 == pos, seen[i].1 == id {  // trap-ok: checked
                        c += 1
                        last = (seen[i].2, seen[i].3)  // trap-ok: checked
                        i += 1
                    }
                    if best.map({ ($0.count, $0.time, $0.row) < (c, last.0, last.1) }) ?? true {
                        best = (c, last.0, last.1, id)
                    }
                }
                if let best { ids[Int(pos)] = best.id &+ 1 }  // trap-ok: positions < n
            }
            return .values(path: valuesSource, ids: ids)
        case .firstValue, .lastValue: return .values(path: valuesSource, ids: ids)
        case .aggregate: return .numbers([])
        }
    }
}

/// An event filter compiled for rows: its name as an id, its `where` as tests
/// worked out once per distinct value.
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

/// A `where` condition over an event's values.
indirect enum RowTest {
    case constant(Bool)
    case all([RowTest])
    case any([RowTest])
    case not(RowTest)
    /// A test of the value at a registered path (`nil`: not registered, so always missing).
    case value(path: UInt32?, ValueMemo)
    /// A test of the event's name.
    case name(ValueMemo)

    init(_ c: Condition, index: AudienceIndex, evaluator: ConditionEvaluator) {
        switch c {
        case .all(let cs): self = .all(cs.map { RowTest($0, index: index, evaluator: evaluator) })
        case .any(let cs): self = .any(cs.map { RowTest($0, index: index, evaluator: evaluator) })
        case .not(let inner): self = .not(RowTest(inner, index: index, evaluator: evaluator))
        case .constant(let b): self = .constant(b)
        case .attribute(let path, let test):
            guard let p = EventPath(path) else {
                self = .constant(evaluator.test(test, .missing))
                return
            }
            if p == .name {
                self = .name(ValueMemo(test: test, values: index.names.items.map { .string($0) }, evaluator: evaluator))
            } else if let id = index.pathId(p), id < index.values.count {
                self = .value(path: UInt32(truncatingIfNeeded: id),
                              ValueMemo(test: test, values: index.values[id].items, evaluator: evaluator))  // trap-ok: checked
            } else {
                self = .constant(evaluator.test(test, .missing))
            }
        case .segment, .tag, .events, .sequence:
            // Inside a `where` these see no profile and no history: the same for every event.
            self = .constant(evaluator.matches(c, EventSubject(event: SubjectEvent(name: "", time: 0))))
        }
    }

    func passes(_ row: Int, _ index: AudienceIndex) -> Bool {
        switch self {
        case .constant(let b): return b
        case .all(let ts): return ts.allSatisfy { $0.passes(row, index) }
        case .any(let ts): return ts.contains { $0.passes(row, index) }
        case .not(let t): return !t.passes(row, index)
        case .value(let path, let memo):
            guard let path, let id = index.valueId(row, path: path) else { return memo.passes(0) }
            return memo.passes(id &+ 1)
        case .name(let memo): return memo.passes(index.eventName[row] &+ 1)  // trap-ok: rows of the index
        }
    }
}

/// A value test's result for each distinct value, worked out when first asked.
final class ValueMemo {
    let test: ValueTest
    let values: [JSONValue]
    let evaluator: ConditionEvaluator
    /// By value id + 1 (0: missing): 0 not known yet, 1 false, 2 true.
    private var results: [UInt8]

    init(test: ValueTest, values: [JSONValue], evaluator: ConditionEvaluator) {
        self.test = test
        self.values = values
        self.evaluator = evaluator
        results = Array(repeating: 0, count: values.count + 1)
    }

    /// For value id + 1 (0: missing).
    @inline(__always)
    func passes(_ idPlusOne: UInt32) -> Bool {
        let i = Int(idPlusOne)
        guard i < results.count else { return evaluator.test(test, .missing) }
        let known = results[i]  // trap-ok: checked
        if known != 0 { return known == 2 }
        let v: Operand = i == 0 ? .missing : .value(values[i - 1])  // trap-ok: 0 < i ≤ values.count
        let r = evaluator.test(test, v)
        results[i] = r ? 2 : 1  // trap-ok: checked
        return r
    }
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
