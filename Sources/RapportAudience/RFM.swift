/// Recency, frequency and monetary value per customer as of a day, scored
/// 1–5 by quintile of rank (``QuantileScore``) and mapped to the usual named
/// groups.
///
/// - Recency: days from the last purchase to the as-of day (fewest days
///   score 5).
/// - Frequency: distinct days with a purchase (most score 5).
/// - Monetary: the total amount, in cents (highest scores 5).
///
/// Purchases after the as-of day are left out: the figures are what was
/// known on that day. Customers are scored in ascending order of id, which
/// breaks ties.
public enum RFM {
    /// One purchase: who, which day (days since 1970-01-01), how much in cents.
    public struct Purchase<Customer: Hashable & Comparable & Sendable>: Sendable {
        public var customer: Customer
        public var day: Int
        public var amountCents: Int64

        public init(customer: Customer, day: Int, amountCents: Int64) {
            self.customer = customer
            self.day = day
            self.amountCents = amountCents
        }
    }

    /// A customer's figures, scores and group.
    public struct Row<Customer: Hashable & Comparable & Sendable>: Sendable, Equatable {
        public var customer: Customer
        public var recencyDays: Int
        public var frequency: Int
        public var monetaryCents: Int64
        public var r: Int
        public var f: Int
        public var m: Int
        public var group: Group
    }

    /// The named groups, from the recency and frequency scores.
    public enum Group: String, CaseIterable, Sendable {
        case champions = "Champions"
        case loyal = "Loyal"
        case potentialLoyalist = "Potential Loyalist"
        case new = "New"
        case promising = "Promising"
        case needAttention = "Need Attention"
        case aboutToSleep = "About to Sleep"
        case atRisk = "At Risk"
        case cannotLoseThem = "Cannot Lose Them"
        case hibernating = "Hibernating"
        case lost = "Lost"

        /// The group for scores `r` and `f` (1–5; out of range values are clamped).
        ///
        /// | R \ F | 1 | 2 | 3 | 4 | 5 |
        /// |---|---|---|---|---|---|
        /// | 5 | New | Potential Loyalist | Potential Loyalist | Champions | Champions |
        /// | 4 | Promising | Potential Loyalist | Potential Loyalist | Loyal | Loyal |
        /// | 3 | About to Sleep | About to Sleep | Need Attention | Loyal | Loyal |
        /// | 2 | Hibernating | Hibernating | At Risk | At Risk | Cannot Lose Them |
        /// | 1 | Lost | Hibernating | At Risk | At Risk | Cannot Lose Them |
        public init(r: Int, f: Int) {
            let r = min(max(r, 1), 5), f = min(max(f, 1), 5)
            switch (r, f) {
            case (5, 4...5): self = .champions
            case (3...4, 4...5): self = .loyal
            case (4...5, 2...3): self = .potentialLoyalist
            case (5, 1): self = .new
            case (4, 1): self = .promising
            case (3, 3): self = .needAttention
            case (3, 1...2): self = .aboutToSleep
            case (1...2, 3...4): self = .atRisk
            case (1...2, 5): self = .cannotLoseThem
            case (1, 1): self = .lost
            default: self = .hibernating
            }
        }
    }

    /// The figures of every customer with a purchase on or before `asOfDay`,
    /// in ascending order of customer.
    public static func compute<Customer>(_ purchases: [Purchase<Customer>], asOfDay: Int) -> [Row<Customer>] {
        // Number the customers in ascending order, and compute over the numbers.
        let customers = Array(Set(purchases.lazy.filter { $0.day <= asOfDay }.map(\.customer))).sorted()
        var number: [Customer: Int64] = [:]
        number.reserveCapacity(customers.count)
        for (i, c) in customers.enumerated() { number[c] = Int64(i) }
        var columns = Purchases()
        columns.reserveCapacity(purchases.count)
        for p in purchases where p.day <= asOfDay {
            guard let id = number[p.customer] else { continue }
            columns.append(customer: id, day: p.day, cents: p.amountCents)
        }
        let table = compute(columns, asOfDay: asOfDay)
        return (0..<table.count).compactMap { i in
            let row = table.row(at: i)
            guard let index = Int(exactly: row.customer), customers.indices.contains(index) else { return nil }
            return Row(customer: customers[index], recencyDays: row.recencyDays, frequency: row.frequency,  // trap-ok: checked
                       monetaryCents: row.monetaryCents, r: row.r, f: row.f, m: row.m, group: row.group)
        }
    }

    /// Purchases as parallel columns, customers as 64-bit ids (profile ids,
    /// or numbers from a file): the form the large computations take.
    public struct Purchases: Sendable {
        public private(set) var customers: [Int64] = []
        /// Days since 1970-01-01.
        public private(set) var days: [Int32] = []
        public private(set) var cents: [Int64] = []

        public init() {}

        public var count: Int { customers.count }

        public mutating func reserveCapacity(_ n: Int) {
            customers.reserveCapacity(n)
            days.reserveCapacity(n)
            cents.reserveCapacity(n)
        }

        /// Adds a purchase; a day beyond ±5.8 million years is clamped.
        public mutating func append(customer: Int64, day: Int, cents amount: Int64) {
            customers.append(customer)
            days.append(Int32(clamping: day))
            cents.append(amount)
        }
    }

    /// Every customer's figures and scores, in ascending order of customer id.
    public struct Table: Sendable, Equatable {
        public var customers: [Int64] = []
        public var recencyDays: [Int32] = []
        public var frequency: [Int32] = []
        public var monetaryCents: [Int64] = []
        public var r: [UInt8] = []
        public var f: [UInt8] = []
        public var m: [UInt8] = []

        public var count: Int { customers.count }

        /// The customer at `index` (0..<count) as a row.
        public func row(at index: Int) -> Row<Int64> {
            let r = Int(r[index]), f = Int(f[index])  // trap-ok: callers pass an index below count
            return Row(customer: customers[index], recencyDays: Int(recencyDays[index]),  // trap-ok: same
                       frequency: Int(frequency[index]), monetaryCents: monetaryCents[index],  // trap-ok: same
                       r: r, f: f, m: Int(m[index]), group: Group(r: r, f: f))  // trap-ok: same
        }
    }

    /// The figures of every customer with a purchase on or before `asOfDay`.
    ///
    /// Linear but for three radix sorts of one 64-bit key per customer
    /// (figure and position packed together): distinct days are counted
    /// within each customer's purchases, bucketed by customer
    /// (``Purchases/grouped(throughDay:)``).
    public static func compute(_ purchases: Purchases, asOfDay: Int) -> Table {
        let asOf = Int32(clamping: asOfDay)
        var grouped = purchases.grouped(throughDay: asOfDay)
        let m = grouped.count
        guard m > 0 else { return Table() }
        // Last day, total and distinct days per customer.
        var last = [Int32](repeating: .min, count: m)
        var total = [Int64](repeating: 0, count: m)
        var frequency = [Int32](repeating: 0, count: m)
        let start = grouped.start, amounts = grouped.cents
        grouped.days.withUnsafeMutableBufferPointer { b in
            for c in 0..<m {
                let range = start[c]..<start[c + 1]  // trap-ok: c + 1 ≤ m
                for i in range {
                    last[c] = max(last[c], b[i])  // trap-ok: c < m; i within the buckets
                    total[c] = saturatingAdd(total[c], amounts[i])  // trap-ok: same
                }
                frequency[c] = Int32(truncatingIfNeeded: distinctCount(UnsafeMutableBufferPointer(rebasing: b[range])))  // trap-ok
            }
        }
        let customers = grouped.customers
        // Scores.
        var recency = [Int32](repeating: 0, count: m)
        for c in 0..<m { recency[c] = Int32(clamping: Int64(asOf) - Int64(last[c])) }  // trap-ok: c < m
        var table = Table()
        table.r = scores(recency.map { Int64($0) }, highestFirst: true)
        table.f = scores(frequency.map { Int64($0) }, highestFirst: false)
        table.m = scores(total, highestFirst: false)
        table.customers = customers
        table.recencyDays = recency
        table.frequency = frequency
        table.monetaryCents = total
        return table
    }

    /// Distinct values in `days`, which it may reorder.
    static func distinctCount(_ days: UnsafeMutableBufferPointer<Int32>) -> Int {
        var days = days
        guard days.count > 1 else { return days.count }
        // Usually in order already (files and logs are): count without sorting.
        var distinct = 1
        for i in 1..<days.count {
            if days[i] < days[i - 1] {
                days.sort()
                distinct = 1
                for j in 1..<days.count where days[j] != days[j - 1] { distinct += 1 }
                return distinct
            }
            if days[i] != days[i - 1] { distinct += 1 }
        }
        return distinct
    }

    /// Quintile scores of `values` by rank, ties in index order
    /// (``QuantileScore``), by one radix sort of figure-and-index keys.
    static func scores(_ values: [Int64], highestFirst: Bool) -> [UInt8] {
        let count = values.count
        guard count > 0, let low = values.min(), let high = values.max() else { return [] }
        let span = UInt64(bitPattern: high &- low)  // the unsigned distance, even across zero
        let indexBits = RadixSort.bitWidth(UInt64(count - 1))
        guard RadixSort.bitWidth(span) + indexBits <= 64 else {
            return QuantileScore.scores(values, highestFirst: highestFirst).map { UInt8(clamping: $0) }
        }
        var keys = [UInt64](repeating: 0, count: count)
        for i in 0..<count {
            let offset = UInt64(bitPattern: values[i] &- low)  // trap-ok: i < count
            keys[i] = ((highestFirst ? span - offset : offset) << UInt64(indexBits)) | UInt64(i)  // trap-ok: same
        }
        RadixSort.sort(&keys)
        let indexMask = indexBits == 64 ? UInt64.max : (UInt64(1) << UInt64(indexBits)) &- 1
        var out = [UInt8](repeating: 1, count: count)
        // Scores rise with the position; the next bound is where the score steps up.
        var score = 1
        var nextBound = QuantileScore.highestRank(scoring: 1, of: count)
        for (position, key) in keys.enumerated() {
            while position + 1 > nextBound {
                score += 1
                nextBound = QuantileScore.highestRank(scoring: score, of: count)
            }
            out[Int(truncatingIfNeeded: key & indexMask)] = UInt8(score)  // trap-ok: the low bits are an index
        }
        return out
    }

    /// Saturating, and once saturated it stays so: the total cannot depend on the order of purchases.
    public static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        if a == .max || a == .min { return a }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}

