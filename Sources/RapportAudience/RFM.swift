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
        var byCustomer: [Customer: Totals] = [:]
        for p in purchases where p.day <= asOfDay {
            byCustomer[p.customer, default: Totals(last: p.day)].add(day: p.day, cents: p.amountCents)
        }
        let sorted = byCustomer.sorted { $0.key < $1.key }
        let customers = sorted.map(\.key), totals = sorted.map(\.value)
        let recency = totals.map { asOfDay - $0.last }
        let r = QuantileScore.scores(recency, highestFirst: true)
        let f = QuantileScore.scores(totals.map(\.days.count))
        let m = QuantileScore.scores(totals.map(\.cents))
        return customers.indices.map { i in  // trap-ok: every array has one element per customer
            Row(customer: customers[i], recencyDays: recency[i], frequency: totals[i].days.count,
                monetaryCents: totals[i].cents, r: r[i], f: f[i], m: m[i], group: Group(r: r[i], f: f[i]))
        }
    }
}

/// One customer's purchases so far.
private struct Totals {
    var last: Int
    var days: Set<Int> = []
    var cents: Int64 = 0

    mutating func add(day: Int, cents amount: Int64) {
        last = max(last, day)
        days.insert(day)
        // Saturating: amounts come from outside.
        let (sum, overflow) = cents.addingReportingOverflow(amount)
        cents = overflow ? (amount > 0 ? .max : .min) : sum
    }
}
