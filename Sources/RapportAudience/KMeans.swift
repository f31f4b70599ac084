import Foundation
import RapportCore

/// k-means clustering for discovery: groups profiles by a few numeric
/// figures (recency, frequency, spend, any computed trait).
///
/// Lloyd's algorithm from k-means++ seeds, run ``restarts`` times from a
/// fixed ``seed``; the run with the least inertia (the sum of squared
/// distances of points to their centroid) wins. Deterministic: the same
/// points, `k` and seed give the same clusters. Points are rows of a flat
/// array of `dimensions` numbers; ``Features`` prepares them (log, log1p,
/// standardisation) as operators usually want.
public struct KMeans: Sendable {
    public var k: Int
    public var restarts: Int
    public var maxIterations: Int
    /// Stops when no centroid moves by more than this (relative to the data's variance, as scikit-learn's `tol`).
    public var tolerance: Double
    public var seed: UInt64

    public init(k: Int, restarts: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 0) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
    }

    public struct Result: Sendable, Equatable {
        /// Each point's cluster, 0 ..< k.
        public var labels: [Int]
        /// `k` rows of `dimensions` numbers.
        public var centroids: [[Double]]
        public var sizes: [Int]
        public var inertia: Double
        public var iterations: Int
    }

    /// Clusters `count` points of `dimensions` numbers each, stored row after row in `points`.
    public func fit(_ points: [Double], dimensions d: Int) throws(RapportError) -> Result {
        guard d > 0, points.count % d == 0 else {
            throw RapportError(.invalidArgument, "points must be rows of \(max(d, 1)) numbers")
        }
        let n = points.count / d
        guard k >= 1, k <= 1_000 else { throw RapportError(.invalidArgument, "k must be 1 to 1000, not \(k)") }
        guard n >= k else { throw RapportError(.invalidArgument, "\(n) points cannot make \(k) clusters") }
        guard points.allSatisfy(\.isFinite) else {
            throw RapportError(.invalidArgument, "every figure must be a finite number")
        }
        guard restarts >= 1, maxIterations >= 1 else {
            throw RapportError(.invalidArgument, "restarts and iterations must be at least 1")
        }
        // scikit-learn's tolerance: relative to the mean variance of the dimensions.
        var variance = 0.0
        for j in 0..<d {
            var mean = 0.0
            for i in 0..<n { mean += points[i * d + j] }  // trap-ok: i < n, j < d
            mean /= Double(n)
            var v = 0.0
            for i in 0..<n {
                let x = points[i * d + j] - mean  // trap-ok: as above
                v += x * x
            }
            variance += v / Double(n)
        }
        let tol = tolerance * variance / Double(d)
        var random = SplitMix(seed: seed)
        var best: Result?
        for _ in 0..<restarts {
            let seeds = plusPlus(points, n: n, d: d, random: &random)
            let r = lloyd(points, n: n, d: d, centroids: seeds, tol: tol)
            if best.map({ r.inertia < $0.inertia }) ?? true { best = r }
        }
        guard let best else { throw RapportError(.invalidArgument, "no run") }
        return best
    }

    /// k-means++ seeding: the first centre at random, each next one with
    /// probability proportional to its squared distance from the nearest
    /// centre so far (the best of a few tries, as scikit-learn does).
    func plusPlus(_ points: [Double], n: Int, d: Int, random: inout SplitMix) -> [Double] {
        var centres: [Double] = []
        centres.reserveCapacity(k * d)
        let first = random.below(n)
        centres.append(contentsOf: points[(first * d)..<(first * d + d)])  // trap-ok: first < n
        var closest = (0..<n).map { distance(points, $0, centres, 0, d) }
        let tries = 2 + Int(Foundation.log(Double(k)))
        for _ in 1..<k {
            let total = closest.reduce(0, +)
            var chosen = -1
            var chosenSum = Double.infinity
            for _ in 0..<tries {
                var target = random.unit() * total
                var pick = n - 1
                for i in 0..<n {
                    target -= closest[i]  // trap-ok: i < n
                    if target < 0 {
                        pick = i
                        break
                    }
                }
                // The try that leaves the least total squared distance.
                var sum = 0.0
                for i in 0..<n { sum += min(closest[i], distance(points, i, points, pick, d)) }  // trap-ok: i < n
                if sum < chosenSum { (chosen, chosenSum) = (pick, sum) }
            }
            let c = centres.count / d
            centres.append(contentsOf: points[(chosen * d)..<(chosen * d + d)])  // trap-ok: 0 ≤ chosen < n
            for i in 0..<n { closest[i] = min(closest[i], distance(points, i, centres, c, d)) }  // trap-ok: i < n
        }
        return centres
    }

    /// Lloyd's iterations from these centroids until none moves by more than `tol` (squared).
    func lloyd(_ points: [Double], n: Int, d: Int, centroids start: [Double], tol: Double) -> Result {
        var centroids = start
        var labels = [Int](repeating: 0, count: n)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            assign(points, n: n, d: d, centroids: centroids, labels: &labels)
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = labels[i]  // trap-ok: i < n
                counts[c] += 1  // trap-ok: labels are < k
                for j in 0..<d { sums[c * d + j] += points[i * d + j] }  // trap-ok: as above
            }
            var shift = 0.0
            for c in 0..<k {
                // An empty cluster keeps its centroid.
                guard counts[c] > 0 else { continue }  // trap-ok: c < k
                for j in 0..<d {
                    let m = sums[c * d + j] / Double(counts[c])  // trap-ok: as above
                    let delta = m - centroids[c * d + j]  // trap-ok: as above
                    shift += delta * delta
                    centroids[c * d + j] = m  // trap-ok: as above
                }
            }
            if shift <= tol { break }
        }
        // The final labels, and each centroid the mean of its points (so the
        // inertia reported is that of the clusters as labelled).
        assign(points, n: n, d: d, centroids: centroids, labels: &labels)
        var sums = [Double](repeating: 0, count: k * d)
        var sizes = [Int](repeating: 0, count: k)
        for i in 0..<n {
            let c = labels[i]  // trap-ok: i < n
            sizes[c] += 1  // trap-ok: labels are < k
            for j in 0..<d { sums[c * d + j] += points[i * d + j] }  // trap-ok: as above
        }
        for c in 0..<k where sizes[c] > 0 {  // trap-ok: c < k
            for j in 0..<d { centroids[c * d + j] = sums[c * d + j] / Double(sizes[c]) }  // trap-ok: as above
        }
        var inertia = 0.0
        for i in 0..<n { inertia += distance(points, i, centroids, labels[i], d) }  // trap-ok: i < n
        let rows = (0..<k).map { c in Array(centroids[(c * d)..<(c * d + d)]) }  // trap-ok: c < k
        return Result(labels: labels, centroids: rows, sizes: sizes, inertia: inertia, iterations: iterations)
    }

    func assign(_ points: [Double], n: Int, d: Int, centroids: [Double], labels: inout [Int]) {
        for i in 0..<n {
            var best = 0
            var bestDistance = Double.infinity
            for c in 0..<k {
                let dist = distance(points, i, centroids, c, d)
                if dist < bestDistance { (best, bestDistance) = (c, dist) }
            }
            labels[i] = best  // trap-ok: i < n
        }
    }

    /// The squared distance between row `i` of `a` and row `j` of `b`.
    @inline(__always)
    func distance(_ a: [Double], _ i: Int, _ b: [Double], _ j: Int, _ d: Int) -> Double {
        var s = 0.0
        for t in 0..<d {
            let x = a[i * d + t] - b[j * d + t]  // trap-ok: callers pass rows of a and b
            s += x * x
        }
        return s
    }

    /// Figures prepared for clustering: each column transformed, then (if
    /// asked) standardised to mean 0 and standard deviation 1 (population,
    /// as scikit-learn's `StandardScaler`).
    public enum Transform: String, Sendable, CaseIterable {
        case none, log, log1p
    }

    /// Rows of figures as k-means points. A `log` of a figure below 1 is
    /// taken at 1 (0 days since the last purchase counts as 1); `log1p`
    /// of a negative figure at 0. Returns the points and, per column, the
    /// mean and deviation used (to show centroids in the figures' units).
    public static func prepare(_ columns: [[Double]], transforms: [Transform], standardise: Bool)
        -> (points: [Double], means: [Double], deviations: [Double])
    {
        let d = columns.count
        let n = columns.first?.count ?? 0
        var cols = columns
        for j in 0..<d {
            let t = j < transforms.count ? transforms[j] : .none  // trap-ok: checked
            switch t {
            case .none: break
            case .log: cols[j] = cols[j].map { Foundation.log(max($0, 1)) }  // trap-ok: j < d
            case .log1p: cols[j] = cols[j].map { Foundation.log1p(max($0, 0)) }  // trap-ok: j < d
            }
        }
        var means = [Double](repeating: 0, count: d)
        var deviations = [Double](repeating: 1, count: d)
        if standardise, n > 0 {
            for j in 0..<d {
                let mean = cols[j].reduce(0, +) / Double(n)  // trap-ok: j < d
                let variance = cols[j].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)  // trap-ok: j < d
                means[j] = mean  // trap-ok: j < d
                // A constant column stays as it is, centred.
                deviations[j] = variance > 0 ? variance.squareRoot() : 1  // trap-ok: j < d
            }
        }
        var points = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            for j in 0..<d where i < cols[j].count {  // trap-ok: j < d
                points[i * d + j] = (cols[j][i] - means[j]) / deviations[j]  // trap-ok: checked
            }
        }
        return (points, means, deviations)
    }
}

/// SplitMix64: small, fast, seeded random numbers, for reproducible clustering and tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A number in 0 ..< n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
}
