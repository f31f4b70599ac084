/// Scores by quantile of rank: what `pandas.qcut(x.rank(method="first"), q,
/// labels=[1, …, q])` gives, computed exactly.
///
/// Items are ranked 1…n by value, ties in the order they are given (pass them
/// sorted by profile id, and ties go to the lower id first), so scores are
/// deterministic. Rank `r` gets the smallest score `s` with
/// `r ≤ 1 + s·(n − 1)/q`: the bins are closed on the right, the first also
/// on the left, as `qcut` makes them over the ranks. The bounds are compared
/// in integers, not floating point (a rank that falls exactly on a bound
/// stays in the lower bin, as it does in pandas).
public enum QuantileScore {
    /// The score (1…`bins`) of the item at `rank` (1…`count`). A single item
    /// scores 1 (pandas refuses to cut one value into bins).
    public static func score(rank: Int, of count: Int, bins: Int = 5) -> Int {
        let bins = max(1, bins)
        guard count > 1 else { return 1 }
        let rank = min(max(rank, 1), count)
        // Smallest s ≥ 1 with bins·(rank − 1) ≤ s·(count − 1). Products fit in Int for any
        // count an array can hold and any reasonable number of bins; saturate otherwise.
        let (top, overflow) = (rank - 1).multipliedReportingOverflow(by: bins)
        if overflow { return bins }
        let s = (top + count - 2) / (count - 1)  // ceil(top / (count - 1)), top ≥ 0
        return min(max(s, 1), bins)
    }

    /// The highest rank (1-based) that scores `score` or less out of `count`
    /// (`Int.max` for the top score): where ``score(rank:of:bins:)`` steps up,
    /// for callers that walk ranks in order.
    public static func highestRank(scoring score: Int, of count: Int, bins: Int = 5) -> Int {
        guard score < bins, count > 1 else { return .max }
        // The largest r with bins·(r − 1) ≤ score·(count − 1).
        let (top, overflow) = score.multipliedReportingOverflow(by: count - 1)
        return overflow ? .max : top / bins + 1
    }

    /// The score of each value, in the order given: ranked ascending (the
    /// highest value scores `bins`), or descending when `highestFirst` (the
    /// highest value scores 1, as for recency, where the fewest days score best).
    public static func scores<V: Comparable>(_ values: [V], bins: Int = 5, highestFirst: Bool = false) -> [Int] {
        // Stable: equal values keep their order, which is `rank(method: "first")`.
        let order = values.indices.sorted { a, b in
            let va = values[a], vb = values[b]  // trap-ok: indices of values
            if va == vb { return a < b }
            return highestFirst ? va > vb : va < vb
        }
        var out = [Int](repeating: 1, count: values.count)
        for (i, index) in order.enumerated() {
            out[index] = score(rank: i + 1, of: values.count, bins: bins)  // trap-ok: index of values
        }
        return out
    }
}
