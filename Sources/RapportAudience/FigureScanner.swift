import RapportCore

/// Computes figures (count, sum, … of the events a filter and a window
/// select) for every profile position at once, over the ``NameTable``s of an
/// ``AudienceIndex``.
///
/// A figure reads only the table of its event name (every table for `any
/// event`) and, when it has a window with a start, only from the first block
/// of ordinals that reaches it. Its filter's `where` is worked out over the
/// table's columns once for every figure with that filter; then each figure
/// runs its own loop.
///
/// The scanner holds nothing mutable, so figures of different names can be
/// computed at the same time.
struct FigureScanner: Sendable {
    let index: AudienceIndex
    let table: ProfileTable
    let now: Int64
    let reference: ConditionEvaluator
    /// Per name id: each ordinal's owner position (``ProfileTable/none``: no
    /// live profile), for the tables some figure reads; empty for the others.
    let owners: [[UInt32]]

    /// A scanner over these owner columns (``OwnerColumns``): it reads the tables that have one.
    /// Only events before this time count (as ``ColumnarEvaluator/horizon``).
    let horizon: Int64

    init(index: AudienceIndex, table: ProfileTable, now: Int64, owners: [[UInt32]], horizon: Int64 = .max) {
        self.index = index
        self.table = table
        self.now = now
        reference = ConditionEvaluator(now: now)
        self.owners = owners
        self.horizon = horizon
    }

    /// The figures of one event name (`nil`: any event).
    func compute(_ name: String?, _ group: [FigureKey]) -> [(FigureKey, FigureColumn)] {
        let n = table.count
        let tableIds: [Int]
        if let name {
            guard let id = index.names.existing(name) else { return group.map { ($0, FigureColumn.empty($0, count: n)) } }
            tableIds = [Int(id)]
        } else {
            tableIds = Array(index.tables.indices)
        }
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
        let tests = filters.map { f in f.condition.map { RowTest($0, index: index, evaluator: reference) } }
        var accumulators = group.map { Accumulator($0, index: index, count: n) }
        let ranges = group.map { $0.window?.range(now: now) }
        // Sums follow (time, log) order when one time-ordered table holds every event.
        let track = tableIds.count > 1 || tableIds.contains { $0 < index.tables.count && !index.tables[$0].timeOrdered }  // trap-ok: checked
        for t in tableIds where t < index.tables.count && t < owners.count {
            let nt = index.tables[t]  // trap-ok: checked
            let own = owners[t]  // trap-ok: checked
            guard nt.count > 0, own.count == nt.count else { continue }
            let froms = ranges.map { r in r.map { nt.firstOrdinal(notBefore: $0.lowerBound) } ?? 0 }
            for f in filters.indices {
                let users = group.indices.filter { filterOf[$0] == f }  // trap-ok: one filter per figure
                let start = users.map { froms[$0] }.min() ?? nt.count  // trap-ok: one start per figure
                // A filter without `where` needs only the owners.
                let pass = tests[f].map { RowTest.passes($0, table: nt, nameId: t, from: start, owners: own) }  // trap-ok: one test per filter
                for g in users {
                    accumulators[g].add(nt, tableId: t, owners: own, pass: pass, passStart: start,  // trap-ok: as above
                                        from: froms[g], range: ranges[g], track: track)  // trap-ok: as above
                }
            }
        }
        var out: [(FigureKey, FigureColumn)] = []
        for (g, key) in group.enumerated() {
            var column = accumulators[g].finish(index)  // trap-ok: one accumulator per figure
            if accumulators[g].addsInOrder, case .numbers(var xs) = column {  // trap-ok: as above
                // Sums of events not met in time order, and overflowed totals, as the reference adds them.
                for pos in accumulators[g].disordered.positions where pos < xs.count {  // trap-ok: as above
                    xs[pos] = referenceFigure(key, pos: pos)  // trap-ok: checked
                }
                for pos in xs.indices where xs[pos].isInfinite {  // trap-ok: indices
                    xs[pos] = referenceFigure(key, pos: pos)  // trap-ok: indices
                }
                column = .numbers(xs)
            }
            out.append((key, column))
        }
        return out
    }

    /// A numeric figure for one profile, from the reference evaluator.
    private func referenceFigure(_ key: FigureKey, pos: Int) -> Double {
        guard case .aggregate(let agg) = key.measure, pos < table.slotsOf.count else { return .nan }
        let subject = SlotSubject(index: index, slots: table.slotsOf[pos], horizon: horizon)  // trap-ok: checked
        switch reference.figure(agg, reference.selected(key.filter, key.window, subject)) {
        case .value(.number(let x)): return x
        default: return .nan
        }
    }
}

/// Accumulates one figure over the tables of a scan.
struct Accumulator {
    typealias Row = AudienceIndex.Row

    enum Kind {
        case count, sum, average, minimum, maximum, firstTime, lastTime, distinct, mostFrequent, firstValue, lastValue
    }

    let kind: Kind
    let pathId: Int?
    /// The measure reads the event's name (`distinct event of any event`).
    let readsName: Bool
    /// The number of profile positions.
    let n: Int
    /// Numeric measures: each value id + 1 as a number (NaN: missing or not a number).
    private var numbers: [Double] = []
    private var counts: [UInt32] = []
    private var sums: [Double] = []
    private var times: [Int64] = []
    /// First and last values: per position, the deciding event's (time, row) and value id + 1 (0: none), in one record.
    private var picks: [Pick] = []
    /// The number of value ids + 1 the measure can meet (ids are below it).
    private let valueLimit: Int
    /// Distinct counts of few values: each position's values as bits.
    private var masks: [UInt64] = []
    /// Most frequent of few values: per (position, value), its count and its latest row.
    private var tallies: [UInt32] = []
    private var tallyRows: [UInt32] = []
    /// Most frequent of few values over one time-ordered table: each position's leading value id + 1 so far.
    private var leaders: [UInt8] = []
    /// The times of those rows, kept when events may not be met in time order.
    private var tallyTimes: [Int64] = []
    /// Otherwise: each event's position, and its value id + 1 (<< 32 | row, for most
    /// frequent), grouped by position at the end.
    private var keyPositions: [UInt32] = []
    private var keys: [UInt64] = []
    /// For distinct counts of many values: each event's value id + 1 (positions in ``keyPositions``).
    private var ids: [UInt32] = []
    /// The value id + 1 of `null` (0: none): not a value to count.
    private let nullId: UInt32
    /// Positions whose events were not met in (time, log) order, for sums.
    private(set) var disordered = Bits(count: 0)
    private var lastTime: [Int64] = []
    private var lastTable: [Int32] = []

    init(_ key: FigureKey, index: AudienceIndex, count n: Int) {
        self.n = n
        let path = key.path.flatMap(EventPath.init)
        readsName = path == .name
        pathId = path.flatMap { index.pathId($0) }
        if let pathId, pathId < index.values.count {
            nullId = index.values[pathId].existing(.null).map { $0 &+ 1 } ?? 0  // trap-ok: checked
            valueLimit = index.values[pathId].items.count &+ 1  // trap-ok: checked
        } else {
            nullId = 0
            valueLimit = readsName ? index.names.items.count &+ 1 : 1
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
        case .distinct: if valueLimit <= Self.maskValues { masks = Array(repeating: 0, count: n) }
        case .mostFrequent:
            if valueLimit <= Self.tallyValues { tallies = Array(repeating: 0, count: n &* valueLimit) }
        case .firstTime: times = Array(repeating: .max, count: n)
        case .lastTime: times = Array(repeating: .min, count: n)
        case .firstValue, .lastValue:
            picks = Array(repeating: Pick(time: kind == .firstValue ? .max : .min, row: 0, id: 0), count: n)
        }
        if needsNumbers {
            if readsName {
                numbers = [.nan] + index.names.items.map { ConditionEvaluator.decimal($0) ?? .nan }
            } else if let pathId, pathId < index.values.count {
                numbers = [.nan] + index.values[pathId].items.map { ConditionEvaluator.number($0) ?? .nan }  // trap-ok: checked
            }
        }
        if addsInOrder {
            disordered = Bits(count: n)
        }
    }

    /// Distinct counts keep bits per position below this many values; most
    /// frequent values keep tallies below this many.
    static let maskValues = 64
    static let tallyValues = 16

    var needsNumbers: Bool { kind == .sum || kind == .average || kind == .minimum || kind == .maximum }

    /// The result depends on the order values are met in (sums, and the sign of a zero minimum).
    var addsInOrder: Bool { needsNumbers }

    /// Where the measure's values are: a path's number, or -2 for event names.
    var valuesSource: Int { readsName ? -2 : pathId ?? -1 }

    /// The measured value column of a table (value ids + 1), or `nil` when it has none.
    private func valueColumn(_ t: NameTable, tableId: Int) -> [UInt32]? {
        if readsName { return Array(repeating: UInt32(truncatingIfNeeded: tableId) &+ 1, count: t.count) }
        guard let pathId, pathId < t.columns.count, t.columns[pathId].count == t.count else { return nil }  // trap-ok: checked
        return t.columns[pathId]  // trap-ok: checked
    }

    /// Calls `body(ordinal, time)` for each ordinal from `from` that passes
    /// and lies in the range, ascending (descending when `backward`).
    /// Without `pass` (a filter with no `where`) every ordinal with a live
    /// owner passes.
    @inline(__always)
    private static func selected(_ t: NameTable, _ pass: [Bool]?, _ passStart: Int, _ from: Int, _ range: Range<Int64>?,
                                 _ owners: [UInt32], backward: Bool = false, _ body: (Int, Int64) -> Void) {
        let times = t.times
        let lo = range?.lowerBound ?? .min, hi = range?.upperBound ?? .max, bounded = range != nil
        let start: Int, end: Int
        if let pass {
            (start, end) = (max(from, passStart), min(t.count, passStart &+ pass.count))
        } else {
            (start, end) = (max(0, from), min(t.count, owners.count))
        }
        @inline(__always) func visit(_ k: Int) {
            if let pass {
                guard pass[k &- passStart] else { return }  // trap-ok: passStart ≤ k < passStart + pass.count
            } else {
                guard owners[k] != ProfileTable.none else { return }  // trap-ok: k < owners.count
            }
            let time = times[k]  // trap-ok: k < t.count
            if !bounded || (time >= lo && time < hi) { body(k, time) }
        }
        if backward {
            var k = end &- 1
            while k >= start {
                visit(k)
                k &-= 1
            }
        } else {
            var k = start
            while k < end {
                visit(k)
                k &+= 1
            }
        }
    }

    /// Marks a position in `done` (bits by position); returns whether it was marked already.
    @inline(__always)
    private static func mark(_ done: inout [UInt64], _ pos: Int) -> Bool {
        let w = pos &>> 6, bit: UInt64 = 1 &<< UInt64(pos & 63)
        guard w < done.count else { return false }
        let was = done[w] & bit != 0  // trap-ok: checked
        done[w] |= bit  // trap-ok: checked
        return was
    }

    /// Adds the selected events of one table. `pass` gives the filter's
    /// result (owners included) for ordinals from `passStart`.
    mutating func add(_ t: NameTable, tableId: Int, owners: [UInt32], pass: [Bool]?, passStart: Int,
                      from: Int, range: Range<Int64>?, track: Bool) {
        let tableNumber = Int32(truncatingIfNeeded: tableId)
        switch kind {
        case .count:
            var counts = self.counts
            self.counts = []
            Self.selected(t, pass, passStart, from, range, owners) { k, _ in counts[Int(owners[k])] &+= 1 }  // trap-ok: passing ordinals have owners < n
            self.counts = counts
        case .firstTime, .lastTime:
            var times = self.times
            self.times = []
            let first = kind == .firstTime
            if t.timeOrdered {
                // In time order, a position's first event met from the deciding end decides this table: the rest are skipped.
                var done = [UInt64](repeating: 0, count: (n &+ 63) / 64)
                Self.selected(t, pass, passStart, from, range, owners, backward: !first) { k, time in
                    let pos = Int(owners[k])  // trap-ok: passing ordinals have owners < n
                    guard !Self.mark(&done, pos) else { return }
                    if first ? time < times[pos] : time > times[pos] { times[pos] = time }  // trap-ok: as above
                }
            } else if first {
                Self.selected(t, pass, passStart, from, range, owners) { k, time in
                    let pos = Int(owners[k])  // trap-ok: as above
                    if time < times[pos] { times[pos] = time }  // trap-ok: as above
                }
            } else {
                Self.selected(t, pass, passStart, from, range, owners) { k, time in
                    let pos = Int(owners[k])  // trap-ok: as above
                    if time > times[pos] { times[pos] = time }  // trap-ok: as above
                }
            }
            self.times = times
        case .sum, .average, .minimum, .maximum:
            guard let column = valueColumn(t, tableId: tableId) else { return }
            var sums = self.sums, counts = self.counts, disordered = self.disordered
            var lastTime = self.lastTime, lastTable = self.lastTable
            (self.sums, self.counts, self.lastTime, self.lastTable) = ([], [], [], [])
            if track, lastTime.isEmpty {
                lastTime = Array(repeating: .min, count: n)
                lastTable = Array(repeating: -1, count: n)
            }
            let numbers = self.numbers, kind = self.kind
            Self.selected(t, pass, passStart, from, range, owners) { k, time in
                let id = Int(column[k])  // trap-ok: a column is as long as its table
                let x = id < numbers.count ? numbers[id] : .nan  // trap-ok: checked
                guard !x.isNaN else { return }
                let pos = Int(owners[k])  // trap-ok: as above
                if track {
                    let previous = lastTable[pos]  // trap-ok: as above
                    if previous >= 0, previous != tableNumber || time < lastTime[pos] { disordered[pos] = true }  // trap-ok: as above
                    (lastTime[pos], lastTable[pos]) = (time, tableNumber)  // trap-ok: as above
                }
                switch kind {
                case .sum: sums[pos] += x  // trap-ok: as above
                case .average:
                    sums[pos] += x  // trap-ok: as above
                    counts[pos] &+= 1  // trap-ok: as above
                case .minimum: if sums[pos].isNaN || x < sums[pos] { sums[pos] = x }  // trap-ok: as above
                default: if sums[pos].isNaN || x > sums[pos] { sums[pos] = x }  // trap-ok: as above
                }
            }
            (self.sums, self.counts, self.disordered, self.lastTime, self.lastTable) = (sums, counts, disordered, lastTime, lastTable)
        case .distinct, .mostFrequent:
            guard let column = valueColumn(t, tableId: tableId) else { return }
            let nullId = self.nullId, limit = UInt32(truncatingIfNeeded: valueLimit), rows = t.rows
            if !masks.isEmpty {
                var masks = self.masks
                self.masks = []
                Self.selected(t, pass, passStart, from, range, owners) { k, _ in
                    let id = column[k]  // trap-ok: a column is as long as its table
                    guard id != 0, id != nullId, id < limit else { return }
                    masks[Int(owners[k])] |= 1 << UInt64(id)  // trap-ok: as above; id < 64
                }
                self.masks = masks
            } else if !tallies.isEmpty, !track {
                // One time-ordered table: the value just met has the latest event, so it leads
                // as soon as its count reaches the leader's (ties go to the latest).
                var tallies = self.tallies, leaders = self.leaders
                (self.tallies, self.leaders) = ([], [])
                if leaders.isEmpty { leaders = Array(repeating: 0, count: n) }
                let width = valueLimit
                Self.selected(t, pass, passStart, from, range, owners) { k, _ in
                    let id = column[k]  // trap-ok: a column is as long as its table
                    guard id != 0, id != nullId, id < limit else { return }
                    let pos = Int(owners[k])  // trap-ok: as above
                    let base = pos &* width
                    let at = base &+ Int(id)
                    tallies[at] &+= 1  // trap-ok: pos < n, id < width
                    let leader = Int(leaders[pos])  // trap-ok: pos < n
                    if leader == 0 || tallies[at] >= tallies[base &+ leader] { leaders[pos] = UInt8(truncatingIfNeeded: id) }  // trap-ok: leader < width
                }
                (self.tallies, self.leaders) = (tallies, leaders)
            } else if !tallies.isEmpty {
                var tallies = self.tallies, tallyRows = self.tallyRows
                (self.tallies, self.tallyRows) = ([], [])
                if tallyRows.isEmpty { tallyRows = Array(repeating: 0, count: tallies.count) }
                let width = valueLimit
                // In one time-ordered table the latest row is the latest event; otherwise times decide.
                var tallyTimes = self.tallyTimes
                self.tallyTimes = []
                if track, tallyTimes.isEmpty { tallyTimes = Array(repeating: .min, count: tallies.count) }
                Self.selected(t, pass, passStart, from, range, owners) { k, time in
                    let id = column[k]  // trap-ok: a column is as long as its table
                    guard id != 0, id != nullId, id < limit else { return }
                    let at = Int(owners[k]) &* width &+ Int(id)  // trap-ok: as above
                    let r = rows[k]  // trap-ok: as above
                    if track {
                        if (time, r) > (tallyTimes[at], tallyRows[at]) { (tallyTimes[at], tallyRows[at]) = (time, r) }  // trap-ok: pos < n, id < width
                    } else {
                        tallyRows[at] = r  // trap-ok: as above
                    }
                    tallies[at] &+= 1  // trap-ok: as above
                }
                (self.tallies, self.tallyRows, self.tallyTimes) = (tallies, tallyRows, tallyTimes)
            } else {
                var keys = self.keys, keyPositions = self.keyPositions
                (self.keys, self.keyPositions) = ([], [])
                let withRows = kind == .mostFrequent
                let most = t.count &- max(0, min(from, t.count))
                if withRows { keys.reserveCapacity(keys.count &+ most) }
                keyPositions.reserveCapacity(keyPositions.count &+ most)
                if withRows {
                    Self.selected(t, pass, passStart, from, range, owners) { k, _ in
                        let id = column[k]  // trap-ok: a column is as long as its table
                        guard id != 0, id != nullId else { return }
                        keyPositions.append(owners[k])  // trap-ok: as above
                        keys.append(UInt64(id) << 32 | UInt64(rows[k]))  // trap-ok: as above
                    }
                } else {
                    // Distinct counts need the value ids only.
                    var ids = self.ids
                    self.ids = []
                    ids.reserveCapacity(ids.count &+ most)
                    Self.selected(t, pass, passStart, from, range, owners) { k, _ in
                        let id = column[k]  // trap-ok: a column is as long as its table
                        guard id != 0, id != nullId else { return }
                        keyPositions.append(owners[k])  // trap-ok: as above
                        ids.append(id)
                    }
                    self.ids = ids
                }
                (self.keys, self.keyPositions) = (keys, keyPositions)
            }
        case .firstValue, .lastValue:
            guard let column = valueColumn(t, tableId: tableId) else { return }
            var picks = self.picks
            self.picks = []
            let nullId = self.nullId, first = kind == .firstValue, tableRows = t.rows
            // In time order, a position's first value met from the deciding end decides this table: the rest are skipped.
            let ordered = t.timeOrdered
            var done = ordered ? [UInt64](repeating: 0, count: (n &+ 63) / 64) : []
            Self.selected(t, pass, passStart, from, range, owners, backward: ordered && !first) { k, time in
                let id = column[k]  // trap-ok: a column is as long as its table
                guard id != 0, id != nullId else { return }
                let pos = Int(owners[k])  // trap-ok: as above
                if ordered, Self.mark(&done, pos) { return }
                let r = tableRows[k]  // trap-ok: as above
                let p = picks[pos]  // trap-ok: as above
                let better = first ? (time, r) < (p.time, p.row) : (time, r) > (p.time, p.row)
                if p.id == 0 || better { picks[pos] = Pick(time: time, row: r, id: id) }  // trap-ok: as above
            }
            self.picks = picks
        }
    }

    /// Whether row `a` comes after row `b` in (time, log) order.
    @inline(__always)
    private func latest(_ a: UInt32, _ b: UInt32, _ index: AudienceIndex) -> Bool {
        let ta = Int(a) < index.count ? index.time(Int(a)) : .min
        let tb = Int(b) < index.count ? index.time(Int(b)) : .min
        return (ta, a) > (tb, b)
    }

    /// Keys (one per entry of ``keyPositions``) grouped by position (a
    /// counting sort, each group in the order met): position `p`'s are
    /// `start[p] ..< start[p + 1]`.
    private func groupedByPosition<K: FixedWidthInteger>(_ keys: [K]) -> (start: [UInt32], keys: [K]) {
        var start = [UInt32](repeating: 0, count: n &+ 1)
        for p in keyPositions where Int(p) < n { start[Int(p) &+ 1] &+= 1 }  // trap-ok: checked
        for p in 0..<n { start[p &+ 1] &+= start[p] }  // trap-ok: p + 1 ≤ n
        var next = Array(start[0..<n])
        var grouped = [K](repeating: 0, count: Int(start[n]))  // trap-ok: n + 1 starts
        for (p, key) in zip(keyPositions, keys) where Int(p) < n {
            grouped[Int(next[Int(p)])] = key  // trap-ok: next[p] < start[p + 1] ≤ count
            next[Int(p)] &+= 1  // trap-ok: checked
        }
        return (start, grouped)
    }

    /// Sorts a position's few keys in place (insertion sort; a long list the standard way).
    @inline(__always)
    static func sortSmall(_ a: inout [UInt64], _ r: Range<Int>) {
        guard r.lowerBound >= 0, r.upperBound <= a.count else { return }
        guard r.count <= 24 else {
            a[r].sort()
            return
        }
        var i = r.lowerBound &+ 1
        while i < r.upperBound {
            let v = a[i]  // trap-ok: i < upperBound ≤ count
            var j = i
            while j > r.lowerBound, a[j &- 1] > v {  // trap-ok: lowerBound < j
                a[j] = a[j &- 1]  // trap-ok: as above
                j &-= 1
            }
            a[j] = v  // trap-ok: lowerBound ≤ j ≤ i
            i &+= 1
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
                // An overflowed total stays infinite: the scanner takes it from the reference.
                out[i] = sums[i].isFinite ? ConditionEvaluator.finite(mean) : .infinity  // trap-ok: as above
            }
            return .numbers(out)
        case .minimum, .maximum: return .numbers(sums)
        case .firstTime: return .times(times.map { $0 == .max ? .min : $0 })
        case .lastTime: return .times(times)
        case .distinct:
            var out = [Double](repeating: 0, count: n)
            if !masks.isEmpty {
                for pos in 0..<min(n, masks.count) { out[pos] = Double(masks[pos].nonzeroBitCount) }  // trap-ok: checked
                return .numbers(out)
            }
            // Each position's values met once: a value counts when its stamp is not yet the position's.
            let (start, grouped) = groupedByPosition(ids)
            var stamps = [UInt32](repeating: 0, count: valueLimit)
            for pos in 0..<n {
                let mark = UInt32(truncatingIfNeeded: pos &+ 1)
                var c = 0
                for i in Int(start[pos])..<Int(start[pos &+ 1]) {  // trap-ok: n + 1 starts
                    let v = Int(grouped[i])  // trap-ok: a range of grouped
                    guard v < stamps.count, stamps[v] != mark else { continue }  // trap-ok: checked
                    stamps[v] = mark  // trap-ok: checked
                    c &+= 1
                }
                out[pos] = Double(c)  // trap-ok: pos < n
            }
            return .numbers(out)
        case .mostFrequent:
            var ids = [UInt32](repeating: 0, count: n)
            if !leaders.isEmpty {
                for pos in 0..<min(n, leaders.count) { ids[pos] = UInt32(leaders[pos]) }  // trap-ok: checked
                return .values(path: valuesSource, ids: ids)
            }
            // Per position: the value with most events; ties to the one whose last event is latest.
            if !tallies.isEmpty {
                let width = valueLimit
                for pos in 0..<n {
                    var best = 0
                    for v in 1..<width {
                        let at = pos &* width &+ v
                        guard at < tallies.count, tallies[at] > 0 else { continue }  // trap-ok: checked
                        if best == 0 { best = v; continue }
                        let b = pos &* width &+ best
                        if tallies[at] != tallies[b] {  // trap-ok: b < at
                            if tallies[at] > tallies[b] { best = v }  // trap-ok: as above
                        } else if tallyTimes.isEmpty ? tallyRows[at] > tallyRows[b]  // trap-ok: as above
                                    : (tallyTimes[at], tallyRows[at]) > (tallyTimes[b], tallyRows[b]) {  // trap-ok: as above
                            best = v
                        }
                    }
                    ids[pos] = UInt32(truncatingIfNeeded: best)  // trap-ok: pos < n
                }
                return .values(path: valuesSource, ids: ids)
            }
            var (start, grouped) = groupedByPosition(keys)
            for pos in 0..<n {
                // By value, then row: one value's events together.
                let range = Int(start[pos])..<Int(start[pos &+ 1])  // trap-ok: n + 1 starts
                guard !range.isEmpty else { continue }
                Self.sortSmall(&grouped, range)
                var best: (count: Int, row: UInt32, id: UInt32) = (0, 0, 0)
                var i = range.lowerBound
                while i < range.upperBound {
                    let id = UInt32(truncatingIfNeeded: grouped[i] >> 32)  // trap-ok: a range of grouped
                    var c = 0
                    var last: UInt32 = 0
                    while i < range.upperBound, UInt32(truncatingIfNeeded: grouped[i] >> 32) == id {  // trap-ok: checked
                        let r = UInt32(truncatingIfNeeded: grouped[i])  // trap-ok: checked
                        if c == 0 || latest(r, last, index) { last = r }
                        c &+= 1
                        i &+= 1
                    }
                    if best.count < c || (best.count == c && latest(last, best.row, index)) { best = (c, last, id) }
                }
                ids[pos] = best.id  // trap-ok: pos < n
            }
            return .values(path: valuesSource, ids: ids)
        case .firstValue, .lastValue: return .values(path: valuesSource, ids: picks.map(\.id))
        }
    }
}

/// The event deciding a first or last value so far: its (time, row) and value id + 1.
struct Pick {
    var time: Int64
    var row: UInt32
    var id: UInt32
}
