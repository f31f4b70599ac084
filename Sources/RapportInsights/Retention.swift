import RapportCore

/// Cohort retention: customers grouped by the period of their first cohort
/// event (event A, or their first event of any kind), and counted in each
/// later period in which they did the return event (B).
///
/// Period 0 counts a B at or after the customer's first A in the same
/// period — every cohort member when A and B are the same event. Bounded
/// retention counts a customer in period k if they did B in that period;
/// unbounded, if they did B in it or in any later period.
public enum Retention {
    public enum Mode: String, Sendable, CaseIterable, Codable {
        case bounded, unbounded
    }

    /// Occurrences of an event, as columns: customer numbers (dense,
    /// 0 ..< customer count) and times in milliseconds since 1970.
    public struct Events: Sendable {
        public var customers: [UInt32] = []
        public var times: [Int64] = []

        public init() {}

        public init(customers: [UInt32], times: [Int64]) {
            self.customers = customers
            self.times = times
        }

        public var count: Int { min(customers.count, times.count) }

        public mutating func append(customer: UInt32, time: Int64) {
            customers.append(customer)
            times.append(time)
        }
    }

    /// The triangle: one row per cohort.
    public struct Matrix: Sendable, Equatable {
        public var period: CalendarPeriod
        public var mode: Mode
        /// Each cohort's first day (days since 1970), ascending; only cohorts with members.
        public var cohortStarts: [Int64] = []
        public var sizes: [Int] = []
        /// `counts[c][k]`: cohort c's customers counted in period k (0 ... periods);
        /// `nil` where period k lies after the last period of the data (or of `asOf`).
        public var counts: [[Int?]] = []

        /// `counts[c][k] / sizes[c]`.
        public func rate(_ c: Int, _ k: Int) -> Double? {
            guard sizes.indices.contains(c), counts.indices.contains(c), counts[c].indices.contains(k),  // trap-ok: checked
                  let n = counts[c][k], sizes[c] > 0 else { return nil }  // trap-ok: checked
            return Double(n) / Double(sizes[c])  // trap-ok: checked
        }
    }

    /// The retention matrix over `periods` periods after the cohort's.
    ///
    /// - Parameters:
    ///   - cohort: the A occurrences; a customer's first one places them in a cohort.
    ///   - returns: the B occurrences (may be the same columns as `cohort`).
    ///   - customerCount: the customers' numbers are below it; others are ignored.
    ///   - include: when given, only these customers (by number) count — a segment or a breakdown value.
    ///   - lastDay: the last day with data (periods after its period are `nil`); the latest event's day when `nil`.
    ///   - offsetMinutes: the zone the days are read in.
    public static func matrix(cohort: Events, returns: Events, customerCount: Int, period: CalendarPeriod,
                              periods: Int, mode: Mode = .bounded, include: [Bool]? = nil, lastDay: Int64? = nil,
                              offsetMinutes: Int = 0) throws(RapportError) -> Matrix {
        guard (0...10_000).contains(periods) else {
            throw RapportError(.invalidArgument, "periods must be 0 to 10000, not \(periods)")
        }
        guard customerCount >= 0, customerCount < Int(UInt32.max) else {
            throw RapportError(.invalidArgument, "too many customers for one matrix")
        }
        var out = Matrix(period: period, mode: mode)
        // 1. Each customer's first A.
        let none = Int64.max
        var first = [Int64](repeating: none, count: customerCount)
        var minDay = Int64.max, maxDay = Int64.min
        for i in 0..<cohort.count {
            let c = Int(cohort.customers[i]), t = cohort.times[i]  // trap-ok: i < count of both columns
            guard c < customerCount, include.map({ c < $0.count && $0[c] }) ?? true else { continue }  // trap-ok: checked
            if t < first[c] { first[c] = t }  // trap-ok: c < customerCount
        }
        for c in 0..<customerCount where first[c] != none {  // trap-ok: c < customerCount
            let d = CalendarPeriod.day(ofMillis: first[c], offsetMinutes: offsetMinutes)  // trap-ok: same
            minDay = min(minDay, d)
            maxDay = max(maxDay, d)
        }
        guard minDay <= maxDay else { return out }
        for i in 0..<returns.count {
            let c = Int(returns.customers[i])  // trap-ok: i < count
            guard c < customerCount, first[c] != none else { continue }  // trap-ok: checked
            maxDay = max(maxDay, CalendarPeriod.day(ofMillis: returns.times[i], offsetMinutes: offsetMinutes))  // trap-ok: i < count
        }
        if let lastDay { maxDay = max(lastDay, minDay) }
        let table = PeriodTable(period: period, days: minDay...max(maxDay, minDay))
        func relative(_ day: Int64) -> Int64 {
            if let table, day >= table.firstDay, day - table.firstDay < 400_000 { return Int64(table.relative(day)) }
            return period.index(ofDay: day) - period.index(ofDay: minDay)
        }
        let lastPeriod = relative(maxDay)
        // 2. Each customer's cohort, and the periods they did B in (bits 0 ... periods) or their latest.
        var cohortOf = [Int32](repeating: -1, count: customerCount)
        for c in 0..<customerCount where first[c] != none {  // trap-ok: c < customerCount
            cohortOf[c] = Int32(truncatingIfNeeded: relative(CalendarPeriod.day(ofMillis: first[c], offsetMinutes: offsetMinutes)))  // trap-ok
        }
        let words = periods / 64 + 1
        var bits = [UInt64](repeating: 0, count: mode == .bounded ? customerCount * words : 0)
        var latest = [Int32](repeating: -1, count: mode == .unbounded ? customerCount : 0)
        for i in 0..<returns.count {
            let c = Int(returns.customers[i]), t = returns.times[i]  // trap-ok: i < count
            guard c < customerCount, first[c] != none, t >= first[c] else { continue }  // trap-ok: checked
            let day = CalendarPeriod.day(ofMillis: t, offsetMinutes: offsetMinutes)
            guard day <= maxDay else { continue }
            let k = relative(day) - Int64(cohortOf[c])  // trap-ok: c < customerCount
            guard k >= 0 else { continue }
            switch mode {
            case .bounded:
                guard k <= periods else { continue }
                bits[c * words + Int(k >> 6)] |= 1 << UInt64(k & 63)  // trap-ok: k ≤ periods < words × 64
            case .unbounded:
                latest[c] = max(latest[c], Int32(clamping: k))  // trap-ok: c < customerCount
            }
        }
        // 3. Counts per cohort.
        let cohortCount = Int(lastPeriod) + 1
        guard cohortCount > 0, cohortCount <= 10_000_000 else { return out }
        var sizes = [Int](repeating: 0, count: cohortCount)
        var counts = [Int](repeating: 0, count: cohortCount * (periods + 1))
        for c in 0..<customerCount {
            let h = Int(cohortOf[c])  // trap-ok: c < customerCount
            guard h >= 0, h < cohortCount else { continue }
            sizes[h] += 1  // trap-ok: checked
            let row = h * (periods + 1)
            switch mode {
            case .bounded:
                for w in 0..<words {
                    var word = bits[c * words + w]  // trap-ok: w < words
                    while word != 0 {
                        let k = w * 64 + word.trailingZeroBitCount
                        counts[row + k] += 1  // trap-ok: only bits 0 ... periods are set
                        word &= word - 1
                    }
                }
            case .unbounded:
                let top = Int(min(latest[c], Int32(periods)))  // trap-ok: c < customerCount
                if top >= 0 { for k in 0...top { counts[row + k] += 1 } }  // trap-ok: k ≤ periods
            }
        }
        let base = period.index(ofDay: minDay)
        for h in 0..<cohortCount where sizes[h] > 0 {  // trap-ok: h < cohortCount
            out.cohortStarts.append(period.firstDay(ofIndex: base + Int64(h)))
            out.sizes.append(sizes[h])  // trap-ok: same
            out.counts.append((0...periods).map { k in
                Int64(h + k) <= lastPeriod ? counts[h * (periods + 1) + k] : nil  // trap-ok: k ≤ periods
            })
        }
        return out
    }
}
