import RapportAudience
import RapportCore

/// A funnel's figures: how many reached each step, how many dropped after
/// it, how long the steps took, per group (a trait's value, a segment) and
/// per period of entry.
public struct FunnelReport: Sendable, Equatable, Codable {
    public struct Step: Sendable, Equatable, Codable {
        public var label: String
        /// Profiles that did this step (and every one before it).
        public var count: Int
        /// count / the first step's count.
        public var conversion: Double
        /// count / the previous step's count (1 for the first step).
        public var stepConversion: Double
        /// Did this step and not the next (0 for the last step).
        public var droppedAfter: Int
        /// From the previous step to this one, over the profiles that did it: the median, in seconds.
        public var medianSeconds: Double?
        /// The same times in the buckets of ``FunnelReport/timeBuckets`` (counts).
        public var timeHistogram: [Int]
    }

    public struct Group: Sendable, Equatable, Codable {
        public var label: String
        /// Per step: profiles that did it.
        public var counts: [Int]
        public var conversion: Double
    }

    public struct TrendPoint: Sendable, Equatable, Codable {
        /// The period's first day (days since 1970).
        public var day: Int64
        public var entered: Int
        public var converted: Int
        public var conversion: Double
    }

    public var steps: [Step] = []
    public var groups: [Group] = []
    public var trend: [TrendPoint] = []

    /// Upper bounds of the time buckets, in seconds (the last is open): 1 minute, 10 minutes, 1 hour,
    /// 6 hours, 1 day, 3 days, 7 days, 30 days, more.
    public static let timeBuckets: [Int64] = [60, 600, 3_600, 21_600, 86_400, 259_200, 604_800, 2_592_000]
    public static let timeBucketLabels = ["< 1m", "1–10m", "10m–1h", "1–6h", "6–24h", "1–3d", "3–7d", "7–30d", "≥ 30d"]

    /// The report of `paths`.
    ///
    /// - Parameters:
    ///   - labels: one per step.
    ///   - group: a position's group (`nil`: left out of the breakdown); none when not given.
    ///   - maxGroups: the largest groups by entrants are shown; the rest are added up as "other".
    ///   - trend: the period the entries are counted by, in a zone `offsetMinutes` from UTC.
    public init(_ paths: FunnelPaths, labels: [String], group: ((Int) -> String?)? = nil, maxGroups: Int = 20,
                trend period: CalendarPeriod? = nil, offsetMinutes: Int = 0) {
        let n = paths.steps
        var counts = [Int](repeating: 0, count: n)
        var exactly = [Int](repeating: 0, count: n + 1)
        var gaps: [[Int64]] = Array(repeating: [], count: n)
        var byGroup: [String: [Int]] = [:]
        var byPeriod: [Int64: (entered: Int, converted: Int)] = [:]
        for pos in paths.reached.indices {
            let done = Int(paths.reached[pos])  // trap-ok: indices
            guard done > 0 else { continue }
            exactly[min(done, n)] += 1  // trap-ok: done ≤ n
            let times = paths.stepTimes(pos)
            for k in 0..<min(done, n) {
                counts[k] += 1  // trap-ok: k < n
                if k > 0, times.indices.contains(times.startIndex + k) {
                    let gap = times[times.startIndex + k] - times[times.startIndex + k - 1]  // trap-ok: checked
                    gaps[k].append(max(0, gap))  // trap-ok: k < n
                }
            }
            if let group, let g = group(pos) {
                var c = byGroup[g] ?? Array(repeating: 0, count: n)
                for k in 0..<min(done, n) { c[k] += 1 }  // trap-ok: k < n
                byGroup[g] = c
            }
            if let period, let first = times.first {
                let p = period.firstDay(ofIndex: period.index(ofDay: CalendarPeriod.day(ofMillis: first, offsetMinutes: offsetMinutes)))
                var point = byPeriod[p] ?? (0, 0)
                point.entered += 1
                if done >= n { point.converted += 1 }
                byPeriod[p] = point
            }
        }
        let first = counts.first ?? 0
        for k in 0..<n {
            let count = counts[k]  // trap-ok: k < n
            let previous = k == 0 ? count : counts[k - 1]  // trap-ok: 0 < k < n
            var sorted = gaps[k]  // trap-ok: k < n
            sorted.sort()
            var histogram = [Int](repeating: 0, count: Self.timeBuckets.count + 1)
            for g in sorted {
                let seconds = g / 1000
                let b = Self.timeBuckets.firstIndex { seconds < $0 } ?? Self.timeBuckets.count
                histogram[b] += 1  // trap-ok: b ≤ timeBuckets.count
            }
            steps.append(Step(
                label: k < labels.count ? labels[k] : "step \(k + 1)",  // trap-ok: checked
                count: count, conversion: first > 0 ? Double(count) / Double(first) : 0,
                stepConversion: previous > 0 ? Double(count) / Double(previous) : 0,
                droppedAfter: k + 1 < n ? exactly[k + 1] : 0,  // trap-ok: k + 1 ≤ n
                medianSeconds: k == 0 ? nil : Self.median(sorted).map { $0 / 1000 },
                timeHistogram: k == 0 ? [] : histogram))
        }
        var ordered = byGroup.sorted { ($0.value.first ?? 0, $1.key) > ($1.value.first ?? 0, $0.key) }
        if ordered.count > maxGroups, maxGroups >= 0 {
            var other = [Int](repeating: 0, count: n)
            for (_, c) in ordered[maxGroups...] { for k in 0..<n { other[k] += c[k] } }  // trap-ok: one count per step
            ordered = Array(ordered[..<maxGroups]) + [("other", other)]
        }
        groups = ordered.map { label, c in
            Group(label: label, counts: c, conversion: (c.first ?? 0) > 0 ? Double(c.last ?? 0) / Double(c.first ?? 1) : 0)
        }
        trend = byPeriod.keys.sorted().compactMap { day in
            guard let p = byPeriod[day] else { return nil }
            return TrendPoint(day: day, entered: p.entered, converted: p.converted,
                              conversion: p.entered > 0 ? Double(p.converted) / Double(p.entered) : 0)
        }
    }

    /// The profiles that did step `k` (1-based) and not the next: the drop-off there.
    public static func dropped(_ paths: FunnelPaths, afterStep k: Int) -> [ProfileID] {
        guard k >= 1, k < paths.steps else { return [] }
        return paths.reached.indices.compactMap { pos in
            Int(paths.reached[pos]) == k && pos < paths.ids.count ? paths.ids[pos] : nil  // trap-ok: checked
        }
    }

    /// The median of sorted values (the mean of the middle two for an even count), as a Double.
    static func median(_ sorted: [Int64]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let mid = sorted.count / 2
        if sorted.count % 2 == 1 { return Double(sorted[mid]) }  // trap-ok: mid < count
        return (Double(sorted[mid - 1]) + Double(sorted[mid])) / 2  // trap-ok: 1 ≤ mid < count
    }
}
