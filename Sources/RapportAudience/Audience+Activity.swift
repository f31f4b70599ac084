import RapportCore

/// The days each profile position was active, one bit per day over a span of
/// days (days since 1970 in a report's zone): what AARRR counts actives,
/// D1/D7/D30 returns and per-period actives by.
public struct DayBits: Sendable, Equatable {
    /// The first day the bits cover.
    public let firstDay: Int64
    /// How many days they cover.
    public let dayCount: Int
    /// Words per position.
    public let words: Int
    private var bits: [UInt64]

    /// No day set for any of `positions` positions; `dayCount` is clamped to 0 ... 4,000.
    public init(positions: Int, firstDay: Int64, dayCount: Int) {
        self.firstDay = firstDay
        self.dayCount = min(max(0, dayCount), 4_000)
        words = max(1, (self.dayCount + 63) / 64)
        bits = Array(repeating: 0, count: max(0, positions) * words)
    }

    /// The number of positions.
    public var positions: Int { bits.count / words }

    /// Marks `pos` active on `day`; days outside the span and unknown positions are ignored.
    @inline(__always)
    public mutating func set(_ pos: Int, day: Int64) {
        let d = day &- firstDay
        guard d >= 0, d < Int64(dayCount), pos >= 0, pos < positions else { return }
        bits[pos &* words &+ Int(d >> 6)] |= 1 &<< UInt64(d & 63)  // trap-ok: pos < positions, d < dayCount ≤ words × 64
    }

    /// Whether `pos` was active on `day` (false outside the span).
    @inline(__always)
    public func contains(_ pos: Int, day: Int64) -> Bool {
        let d = day &- firstDay
        guard d >= 0, d < Int64(dayCount), pos >= 0, pos < positions else { return false }
        return bits[pos &* words &+ Int(d >> 6)] & (1 &<< UInt64(d & 63)) != 0  // trap-ok: as in set
    }

    /// Whether `pos` was active on any day of `days` (the part inside the span).
    public func containsAny(_ pos: Int, days: Range<Int64>) -> Bool {
        let lo = max(days.lowerBound &- firstDay, 0), hi = min(days.upperBound &- firstDay, Int64(dayCount))
        guard lo < hi, pos >= 0, pos < positions else { return false }
        let base = pos &* words
        var w = Int(lo >> 6)
        let last = Int((hi &- 1) >> 6)
        while w <= last {
            var mask = UInt64.max
            if w == Int(lo >> 6) { mask &= UInt64.max &<< UInt64(lo & 63) }
            if w == last, (hi & 63) != 0 { mask &= (1 &<< UInt64(hi & 63)) &- 1 }
            if bits[base &+ w] & mask != 0 { return true }  // trap-ok: w ≤ last < words
            w &+= 1
        }
        return false
    }
}

/// Events read for a report: each occurrence's owner position and time, and
/// its values at the paths asked for.
public struct Occurrences: Sendable {
    public var positions: [UInt32] = []
    public var times: [Int64] = []
    /// Per path asked for: each occurrence's value id (0: none) …
    public var valueIds: [[UInt32]] = []
    /// … and the values by id − 1.
    public var values: [[JSONValue]] = []

    public init() {}

    public var count: Int { min(positions.count, times.count) }

    /// Occurrence `i`'s value at the `k`th path asked for.
    public func value(_ i: Int, path k: Int) -> JSONValue? {
        guard k >= 0, k < valueIds.count, k < values.count, i >= 0, i < valueIds[k].count else { return nil }  // trap-ok: checked
        let id = Int(valueIds[k][i])  // trap-ok: checked
        guard id > 0, id <= values[k].count else { return nil }  // trap-ok: checked
        return values[k][id - 1]  // trap-ok: checked
    }

    /// Occurrence `i`'s value at the `k`th path as a number, as conditions read one (a number, or text
    /// that reads as a decimal); `nil` when there is none.
    public func number(_ i: Int, path k: Int) -> Double? {
        value(i, path: k).flatMap(ConditionEvaluator.number)
    }
}

extension Audience {
    /// The day (days since 1970) of a time, `offsetMinutes` from UTC.
    @inline(__always)
    static func day(ofMillis t: Int64, offsetMinutes: Int) -> Int64 {
        let s = t &+ Int64(offsetMinutes) &* 60_000
        let (q, r) = s.quotientAndRemainder(dividingBy: Timestamp.millisPerDay)
        return r < 0 ? q &- 1 : q
    }

    /// Each live profile position's first event (of any name, at any time; `Int64.max` for none), and the
    /// days from `firstDay` (for `dayCount` days, in the zone `offsetMinutes` from UTC) it had an event on.
    /// One pass over every event.
    public func activity(firstDay: Int64, dayCount: Int, offsetMinutes: Int) -> (firstSeen: [Int64], days: DayBits) {
        let n = table.count
        var first = [Int64](repeating: .max, count: n)
        var days = DayBits(positions: n, firstDay: firstDay, dayCount: dayCount)
        let owners = table.ownerOfSlot
        // Times outside the span need no day: worked out once as bounds in milliseconds (UTC).
        let offset = Int64(offsetMinutes) &* 60_000
        let lo = firstDay &* Timestamp.millisPerDay &- offset
        let hi = (firstDay &+ Int64(days.dayCount)) &* Timestamp.millisPerDay &- offset
        for t in index.tables {
            let count = min(t.count, t.slots.count, t.times.count)
            for k in 0..<count {
                let s = Int(t.slots[k])  // trap-ok: k < count
                guard s < owners.count else { continue }
                let pos = Int(owners[s])  // trap-ok: checked
                guard pos < n else { continue }
                let time = t.times[k]  // trap-ok: k < count
                if time < first[pos] { first[pos] = time }  // trap-ok: pos < n
                if time >= lo, time < hi { days.set(pos, day: Self.day(ofMillis: time, offsetMinutes: offsetMinutes)) }
            }
        }
        return (first, days)
    }

    /// Each live position's first-touch value at `path`: the value of its earliest event that has one, at or
    /// after its first event (`firstSeen`, as ``activity(firstDay:dayCount:offsetMinutes:)`` gives) and
    /// less than `within` milliseconds after it; `nil` for none. The path must be registered in the index.
    public func firstTouch(_ path: EventPath, firstSeen: [Int64], within: Int64) -> [JSONValue?] {
        let n = min(table.count, firstSeen.count)
        var best = [Int64](repeating: .max, count: n)
        var bestRow = [UInt32](repeating: .max, count: n)
        var id = [UInt32](repeating: 0, count: n)
        guard let p = index.pathId(path), p < index.values.count else { return Array(repeating: nil, count: n) }
        let owners = table.ownerOfSlot
        for t in index.tables where p < t.columns.count && !t.columns[p].isEmpty {  // trap-ok: checked
            let column = t.columns[p]  // trap-ok: checked
            let count = min(t.count, column.count, t.slots.count, t.times.count, t.rows.count)
            for k in 0..<count where column[k] != 0 {  // trap-ok: k < count
                let s = Int(t.slots[k])  // trap-ok: k < count
                guard s < owners.count else { continue }
                let pos = Int(owners[s])  // trap-ok: checked
                guard pos < n else { continue }
                let time = t.times[k], start = firstSeen[pos]  // trap-ok: k < count, pos < n
                guard time >= start, time &- start < within else { continue }
                let row = t.rows[k]  // trap-ok: k < count
                if time < best[pos] || (time == best[pos] && row < bestRow[pos]) {  // trap-ok: pos < n
                    best[pos] = time  // trap-ok: same
                    bestRow[pos] = row  // trap-ok: same
                    id[pos] = column[k]  // trap-ok: same
                }
            }
        }
        let items = index.values[p].items  // trap-ok: checked
        return id.map { $0 > 0 && Int($0) <= items.count ? items[Int($0) - 1] : nil }  // trap-ok: checked
    }

    /// The events passing `filter` (every event when `nil`) of live profiles, before `end`, with their
    /// values at `paths` (which must be registered in the index to be read).
    public mutating func occurrences(of filter: EventFilter?, reading paths: [EventPath], before end: Int64 = .max) -> Occurrences {
        var names = ColumnarEvaluator.tablesRead(traits: traits, segments: segments)
        if let name = filter?.name { names?.insert(name) } else { names = nil }
        owners.update(index: index, table: table, names: names)
        table.clearOwnerChanges()
        let reference = ConditionEvaluator(now: end == .max ? 0 : end)
        let test = filter?.condition.map { RowTest($0, index: index, evaluator: reference) }
        var ids: [Int]
        if let name = filter?.name {
            ids = index.names.existing(name).map { [Int($0)] } ?? []
        } else {
            ids = Array(index.tables.indices)
        }
        ids = ids.filter { $0 < index.tables.count && $0 < owners.columns.count }
        let pathIds = paths.map { index.pathId($0) }
        var out = Occurrences()
        out.valueIds = Array(repeating: [], count: paths.count)
        out.values = pathIds.map { p in p.flatMap { $0 < index.values.count ? index.values[$0].items : nil } ?? [] }  // trap-ok: checked
        for id in ids {
            let t = index.tables[id], own = owners.columns[id]  // trap-ok: checked
            guard own.count == t.count else { continue }
            let pass = RowTest.passes(test, table: t, nameId: id, from: 0, owners: own)
            out.positions.reserveCapacity(out.positions.count + pass.count)
            out.times.reserveCapacity(out.times.count + pass.count)
            for k in 0..<min(pass.count, t.count) where pass[k] && t.times[k] < end {  // trap-ok: checked
                out.positions.append(own[k])  // trap-ok: k < count
                out.times.append(t.times[k])  // trap-ok: same
                for (j, p) in pathIds.enumerated() {
                    out.valueIds[j].append(p.map { t.value(k, path: $0) } ?? 0)  // trap-ok: one list per path
                }
            }
        }
        return out
    }
}
