import RapportAudience

/// Customers' repeat-purchase histories, as columns: what BG/NBD and
/// Gamma-Gamma are fitted to.
///
/// Purchases on one day are one purchase (their amounts added). A
/// customer's first purchase day is their birth; x counts the later
/// purchase days up to the calibration end, tₓ is the time from the first
/// to the last of them and T from the first to the calibration end, in
/// units of `daysPerUnit` days (weeks: 7).
public struct RepeatHistories: Sendable, Equatable {
    public var customers: [Int64] = []
    public var x: [Int32] = []
    public var tx: [Double] = []
    public var T: [Double] = []
    /// The average amount of the repeat purchase days (currency units), 0 when x = 0.
    public var monetary: [Double] = []
    /// Purchase days after the calibration end (the holdout period's actual purchases).
    public var holdout: [Int32] = []

    public init() {}

    public var count: Int { customers.count }

    public mutating func append(customer: Int64, x: Int32, tx: Double, T: Double, monetary: Double, holdout: Int32 = 0) {
        customers.append(customer)
        self.x.append(x)
        self.tx.append(tx)
        self.T.append(T)
        self.monetary.append(monetary)
        self.holdout.append(holdout)
    }

    /// The histories of the customers whose first purchase is on or before
    /// `calibrationEndDay` (days since 1970), in ascending order of id;
    /// purchases after it count as holdout. Amounts are in cents.
    public init(_ purchases: RFM.Purchases, calibrationEndDay: Int, daysPerUnit: Double = 7) {
        let grouped = purchases.grouped(throughDay: Int(Int32.max))
        let end = Int32(clamping: calibrationEndDay)
        let unit = daysPerUnit > 0 && daysPerUnit.isFinite ? daysPerUnit : 7
        var scratch: [(day: Int32, cents: Int64)] = []
        reserve(grouped.count)
        for c in 0..<grouped.count {
            scratch.removeAll(keepingCapacity: true)
            var sorted = true
            for i in grouped.range(of: c) {
                let entry = (day: grouped.days[i], cents: grouped.cents[i])  // trap-ok: i within the buckets
                if let last = scratch.last, entry.day < last.day { sorted = false }
                scratch.append(entry)
            }
            if !sorted { scratch.sort { $0.day < $1.day } }
            guard let first = scratch.first?.day, first <= end else { continue }
            var days: Int32 = 0, holdoutDays: Int32 = 0, lastDay = first
            var previous: Int32?
            var repeatCents: Int64 = 0
            for entry in scratch {
                if entry.day <= end {
                    if entry.day != previous { days += 1 }
                    lastDay = entry.day
                    if entry.day != first { repeatCents = RFM.saturatingAdd(repeatCents, entry.cents) }
                } else if entry.day != previous {
                    holdoutDays += 1
                }
                previous = entry.day
            }
            let x = days - 1
            let monetary = x > 0 ? Double(repeatCents) / 100 / Double(x) : 0
            append(customer: grouped.customers[c], x: x,  // trap-ok: c < count
                   tx: Double(Int(lastDay) - Int(first)) / unit, T: Double(Int(end) - Int(first)) / unit,
                   monetary: monetary, holdout: holdoutDays)
        }
    }

    mutating func reserve(_ n: Int) {
        customers.reserveCapacity(n)
        x.reserveCapacity(n)
        tx.reserveCapacity(n)
        T.reserveCapacity(n)
        monetary.reserveCapacity(n)
        holdout.reserveCapacity(n)
    }
}
