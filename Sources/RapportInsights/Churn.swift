import Foundation
import RapportAudience
import RapportCore

/// Churn prediction: a logistic regression trained on the workspace's own
/// history. A customer "churns" after a day when they make no purchase in
/// the `horizonDays` after it. Features are read as of that day from their
/// purchases and events (``features(purchases:activity:asOf:)``); the model is trained on the
/// customers as of `2 × horizon` days ago (labels: the horizon after), checked
/// on the customers as of `horizon` days ago (labels: the days since, AUC
/// reported), then scores everyone as of today.
public enum Churn {
    /// The features, as of a day, of every customer with a purchase on or
    /// before it: each a row of ``featureNames``.
    public struct Features: Sendable {
        public var customers: [Int64] = []
        public var rows: [[Double]] = []
    }

    /// log(1 + days since the last purchase), log(1 + purchase days), log(1 + total spend),
    /// log(1 + purchase days in the last 30 and 90 days), log(1 + days since the first purchase),
    /// log(1 + events in the last 7 and 30 days), log(1 + days since the last event).
    public static let featureNames = ["recency", "frequency", "monetary", "purchases_30d", "purchases_90d", "tenure",
                                      "events_7d", "events_30d", "event_recency"]

    /// A customer's events as of a day: the day of the last one, and how many in the 7 and 30 days up to it.
    public struct Activity: Sendable, Equatable {
        public var lastDay: Int
        public var last7: Int
        public var last30: Int

        public init(lastDay: Int, last7: Int, last30: Int) {
            self.lastDay = lastDay
            self.last7 = last7
            self.last30 = last30
        }
    }

    /// Activity as of `day` from event columns (customer, day).
    public static func activity(customers: [Int64], days: [Int32], asOf day: Int) -> [Int64: Activity] {
        var out: [Int64: Activity] = [:]
        for k in 0..<min(customers.count, days.count) {
            let d = Int(days[k])  // trap-ok: k < count
            guard d <= day else { continue }
            var a = out[customers[k]] ?? Activity(lastDay: d, last7: 0, last30: 0)  // trap-ok: same
            a.lastDay = max(a.lastDay, d)
            if d > day - 7 { a.last7 += 1 }
            if d > day - 30 { a.last30 += 1 }
            out[customers[k]] = a  // trap-ok: same
        }
        return out
    }

    /// Features as of `day` (days since 1970, inclusive) from purchases and the
    /// customers' activity as of that day, for the customers with a purchase by then.
    public static func features(purchases: RFM.Purchases, activity: [Int64: Activity], asOf day: Int) -> Features {
        let grouped = purchases.grouped(throughDay: day)
        var out = Features()
        out.customers = grouped.customers
        out.rows.reserveCapacity(grouped.count)
        for c in 0..<grouped.count {
            var days = Set<Int32>(), total = 0.0, first = Int32.max, latest = Int32.min
            for i in grouped.range(of: c) {
                let d = grouped.days[i]  // trap-ok: i within the buckets
                days.insert(d)
                total += Double(grouped.cents[i]) / 100  // trap-ok: same
                first = min(first, d)
                latest = max(latest, d)
            }
            let p30 = Double(days.filter { Int($0) > day - 30 }.count), p90 = Double(days.filter { Int($0) > day - 90 }.count)
            let a = activity[grouped.customers[c]]  // trap-ok: c < count
            let lastEvent = max(a?.lastDay ?? Int.min, Int(latest))
            out.rows.append([
                log1p(Double(day - Int(latest))), log1p(Double(days.count)), log1p(max(0, total)), log1p(p30), log1p(p90),
                log1p(Double(day - Int(first))), log1p(Double(a?.last7 ?? 0)), log1p(Double(a?.last30 ?? 0)),
                log1p(Double(max(0, day - lastEvent))),
            ])
        }
        return out
    }

    /// Whether each customer made no purchase in the `horizon` days after `day` (1: churned).
    public static func labels(_ customers: [Int64], purchases: RFM.Purchases, after day: Int, horizon: Int) -> [Double] {
        var bought = Set<Int64>()
        for k in 0..<min(purchases.customers.count, purchases.days.count) {
            let d = Int(purchases.days[k])  // trap-ok: k < count
            if d > day, d <= day + horizon { bought.insert(purchases.customers[k]) }  // trap-ok: same
        }
        return customers.map { bought.contains($0) ? 0 : 1 }
    }

    /// A fitted model and how well it did on the holdout.
    public struct Model: Sendable, Equatable {
        public var regression: LogisticRegression
        public var horizonDays: Int
        /// Area under the ROC curve on the holdout (customers as of `horizon` days ago).
        public var holdoutAUC: Double
        public var trainedOn: Int
        public var checkedOn: Int
        /// The share of the holdout that churned.
        public var holdoutChurnRate: Double
    }

    /// Trains on the customers as of `today − 2 × horizon`, checks on those as
    /// of `today − horizon`, and scores the customers as of today: each
    /// customer's probability of no purchase in the next `horizon` days.
    /// `activity` gives the customers' activity as of a day (it is asked for three).
    public static func fit(purchases: RFM.Purchases, activity: (Int) -> [Int64: Activity], today: Int,
                           horizonDays horizon: Int = 90) throws(RapportError) -> (model: Model, risk: [Int64: Double]) {
        guard (7...365).contains(horizon) else { throw RapportError(.invalidArgument, "the churn horizon is 7 to 365 days") }
        let trainDay = today - 2 * horizon, checkDay = today - horizon
        let train = features(purchases: purchases, activity: activity(trainDay), asOf: trainDay)
        let trainLabels = labels(train.customers, purchases: purchases, after: trainDay, horizon: horizon)
        guard train.rows.count >= 50, trainLabels.contains(0), trainLabels.contains(1) else {
            throw RapportError(.insufficientData, "too little history to train a churn model (customers with a purchase \(2 * horizon) days ago, some buying again and some not)")
        }
        let regression = try LogisticRegression.fit(train.rows, trainLabels)
        let check = features(purchases: purchases, activity: activity(checkDay), asOf: checkDay)
        let checkLabels = labels(check.customers, purchases: purchases, after: checkDay, horizon: horizon)
        let auc = Self.auc(check.rows.map(regression.probability), checkLabels) ?? .nan
        let now = features(purchases: purchases, activity: activity(today), asOf: today)
        var risk: [Int64: Double] = [:]
        risk.reserveCapacity(now.customers.count)
        for (id, row) in zip(now.customers, now.rows) { risk[id] = regression.probability(row) }
        let churned = checkLabels.reduce(0, +)
        return (Model(regression: regression, horizonDays: horizon, holdoutAUC: auc, trainedOn: train.rows.count,
                      checkedOn: check.rows.count, holdoutChurnRate: checkLabels.isEmpty ? 0 : churned / Double(checkLabels.count)),
                risk)
    }

    /// The area under the ROC curve of scores against 0/1 labels (ties count half): the chance a random
    /// positive scores above a random negative. `nil` without both.
    public static func auc(_ scores: [Double], _ labels: [Double]) -> Double? {
        let pairs = zip(scores, labels).sorted { $0.0 < $1.0 }
        let positives = labels.filter { $0 == 1 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Mann-Whitney: the sum of the positives' ranks (average ranks for ties).
        var rankSum = 0.0, i = 0
        while i < pairs.count {
            var j = i
            while j + 1 < pairs.count, pairs[j + 1].0 == pairs[i].0 { j += 1 }  // trap-ok: j + 1 < count
            let rank = Double(i + j) / 2 + 1
            for k in i...j where pairs[k].1 == 1 { rankSum += rank }  // trap-ok: k ≤ j < count
            i = j + 1
        }
        return (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }
}

/// L2-regularised logistic regression on standardised features, fitted by
/// Newton's method (iteratively reweighted least squares).
public struct LogisticRegression: Sendable, Equatable {
    /// Per feature: mean and deviation used to standardise.
    public var means: [Double]
    public var scales: [Double]
    /// The intercept, then one weight per standardised feature.
    public var weights: [Double]

    public func probability(_ x: [Double]) -> Double {
        var z = weights.first ?? 0
        for k in 0..<min(x.count, means.count, scales.count, weights.count - 1) {
            z += weights[k + 1] * (x[k] - means[k]) / scales[k]  // trap-ok: k < every count
        }
        return 1 / (1 + exp(-z))
    }

    /// Fits to rows and 0/1 labels with penalty `l2` on the weights (not the intercept).
    public static func fit(_ rows: [[Double]], _ labels: [Double], l2: Double = 1e-3, maxIterations: Int = 50)
        throws(RapportError) -> LogisticRegression
    {
        guard let d = rows.first?.count, d > 0, rows.count == labels.count, rows.allSatisfy({ $0.count == d }) else {
            throw RapportError(.insufficientData, "logistic regression needs rows of one width, one label each")
        }
        let n = Double(rows.count)
        var means = [Double](repeating: 0, count: d), scales = [Double](repeating: 0, count: d)
        for r in rows { for k in 0..<d { means[k] += r[k] / n } }  // trap-ok: k < d, each row has d
        for r in rows { for k in 0..<d { scales[k] += (r[k] - means[k]) * (r[k] - means[k]) / n } }  // trap-ok: same
        scales = scales.map { $0 > 1e-24 ? $0.squareRoot() : 1 }
        let x = rows.map { r in [1.0] + (0..<d).map { (r[$0] - means[$0]) / scales[$0] } }  // trap-ok: $0 < d
        let p = d + 1
        var w = [Double](repeating: 0, count: p)
        for _ in 0..<maxIterations {
            // Gradient and Hessian of the penalised negative log-likelihood (mean).
            var g = [Double](repeating: 0, count: p), h = [Double](repeating: 0, count: p * p)
            for (xi, yi) in zip(x, labels) {
                var z = 0.0
                for k in 0..<p { z += w[k] * xi[k] }  // trap-ok: k < p
                let mu = 1 / (1 + exp(-z)), s = max(mu * (1 - mu), 1e-12)
                for a in 0..<p {
                    g[a] += (mu - yi) * xi[a] / n  // trap-ok: a < p
                    for b in 0...a { h[a * p + b] += s * xi[a] * xi[b] / n }  // trap-ok: b ≤ a < p
                }
            }
            for a in 1..<p {
                g[a] += l2 * w[a]  // trap-ok: a < p
                h[a * p + a] += l2  // trap-ok: same
            }
            for a in 0..<p { for b in 0..<a { h[b * p + a] = h[a * p + b] } }  // trap-ok: b < a < p
            guard let step = solve(h, g, p) else { break }
            var largest = 0.0
            for k in 0..<p {
                w[k] -= step[k]  // trap-ok: k < p
                largest = max(largest, abs(step[k]))  // trap-ok: same
            }
            if largest < 1e-10 { break }
        }
        guard w.allSatisfy(\.isFinite) else { throw RapportError(.insufficientData, "the churn model did not converge") }
        return LogisticRegression(means: means, scales: scales, weights: w)
    }

    /// Solves the symmetric positive definite system A s = b (Cholesky); `nil` if it is not.
    static func solve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]  // trap-ok: i, j < n
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }  // trap-ok: k < j ≤ i < n
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()  // trap-ok: same
                } else {
                    l[i * n + j] = sum / l[j * n + j]  // trap-ok: same
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]  // trap-ok: i < n
            for k in 0..<i { sum -= l[i * n + k] * y[k] }  // trap-ok: k < i < n
            y[i] = sum / l[i * n + i]  // trap-ok: same
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]  // trap-ok: i < n
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }  // trap-ok: i < k < n
            x[i] = sum / l[i * n + i]  // trap-ok: same
        }
        return x
    }
}
