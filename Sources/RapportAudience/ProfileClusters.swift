import Foundation
import RapportCore

/// How a workspace clusters its customers: k-means on a few numeric
/// figures of each profile (computed traits, RFM figures, numeric traits),
/// fitted once and then kept as each profile's `cluster` attribute by the
/// nearest centroid.
///
/// ```json
/// {"features": [{"attribute": "rfm.recency_days", "transform": "log"},
///               {"attribute": "rfm.frequency", "transform": "log"},
///               {"attribute": "rfm.monetary", "transform": "log1p"}],
///  "k": 5, "names": ["Regulars", "Big spenders"]}
/// ```
///
/// The fit (``Fit``: the scaling and the centroids) is stored with the
/// model, so a profile's cluster is the same after a restart and a new
/// customer joins the cluster nearest to them at once; fitting again is an
/// operator's decision (clusters would otherwise change under segments that
/// read them). Clusters are numbered from 1 by size at the fit, largest first.
public struct ClusterModel: Sendable, Hashable, Codable {
    /// One figure of a profile: an attribute path as a condition reads it.
    public struct Feature: Sendable, Hashable, Codable {
        /// `lifetime_revenue` (a computed trait), `rfm.monetary`, `traits.age`.
        public var attribute: String
        public var transform: KMeans.Transform
        /// The figure of a profile that lacks the attribute; without it such profiles get no cluster.
        public var missing: Double?

        public init(_ attribute: String, transform: KMeans.Transform = .none, missing: Double? = nil) {
            self.attribute = attribute
            self.transform = transform
            self.missing = missing
        }

        /// The attribute's path.
        public var path: [String] { attribute.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }

        enum CodingKeys: String, CodingKey { case attribute, transform, missing }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            attribute = try c.decode(String.self, forKey: .attribute)
            transform = try c.decodeIfPresent(KMeans.Transform.self, forKey: .transform) ?? .none
            missing = try c.decodeIfPresent(Double.self, forKey: .missing)
        }
    }

    /// What a fit found: how figures are scaled and where the centroids are.
    public struct Fit: Sendable, Hashable, Codable {
        /// Per feature, after its transform: the mean and deviation figures were standardised with.
        public var means: [Double]
        public var deviations: [Double]
        /// `k` centroids in the standardised space, cluster 1 first.
        public var centroids: [[Double]]
        /// Profiles per cluster when fitted (all profiles with figures, not only the sample).
        public var sizes: [Int]
        /// The sum of squared distances of the fitted points to their centroids.
        public var inertia: Double
        /// Profiles with figures when fitted, and how many of them k-means ran on.
        public var profiles: Int
        public var sampled: Int
        public var iterations: Int
        /// When (ms since 1970).
        public var fittedAt: Int64

        enum CodingKeys: String, CodingKey {
            case means, deviations, centroids, sizes, inertia, profiles, sampled, iterations, fittedAt = "fitted_at"
        }
    }

    public var features: [Feature]
    public var k: Int
    public var standardise: Bool
    public var restarts: Int
    public var seed: UInt64
    /// At most this many profiles are fitted on (an even, deterministic sample); all are assigned.
    public var sample: Int
    /// Names of clusters 1, 2, … (optional; fewer than `k` is fine).
    public var names: [String]
    public var fit: Fit?

    /// The name of the one stored cluster definition of a workspace.
    public static let recordName = "model"

    public init(features: [Feature], k: Int = 5, standardise: Bool = true, restarts: Int = 10, seed: UInt64 = 0,
                sample: Int = 200_000, names: [String] = [], fit: Fit? = nil) {
        self.features = features
        self.k = k
        self.standardise = standardise
        self.restarts = restarts
        self.seed = seed
        self.sample = sample
        self.names = names
        self.fit = fit
    }

    /// Recency, frequency and spend from the workspace's RFM (log, log, log1p), five clusters.
    public static let rfm = ClusterModel(features: [
        Feature("rfm.recency_days", transform: .log), Feature("rfm.frequency", transform: .log),
        Feature("rfm.monetary", transform: .log1p),
    ])

    enum CodingKeys: String, CodingKey { case features, k, standardise, restarts, seed, sample, names, fit }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClusterModel(features: [])
        features = try c.decode([Feature].self, forKey: .features)
        k = try c.decodeIfPresent(Int.self, forKey: .k) ?? d.k
        standardise = try c.decodeIfPresent(Bool.self, forKey: .standardise) ?? d.standardise
        restarts = try c.decodeIfPresent(Int.self, forKey: .restarts) ?? d.restarts
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        sample = try c.decodeIfPresent(Int.self, forKey: .sample) ?? d.sample
        names = try c.decodeIfPresent([String].self, forKey: .names) ?? []
        fit = try c.decodeIfPresent(Fit.self, forKey: .fit)
    }

    /// What is wrong with the model (or its stored fit), if anything.
    public var problem: String? {
        if features.isEmpty || features.count > 10 { return "features: 1 to 10 attributes" }
        var seen: Set<String> = []
        for f in features {
            let path = f.path
            if f.attribute.utf8.count > 200 || path.contains(where: \.isEmpty) {
                return "feature \"\(f.attribute)\" is not an attribute path such as lifetime_revenue or rfm.monetary"
            }
            if path.first == "cluster" { return "a cluster cannot be a feature of itself" }
            if !seen.insert(f.attribute).inserted { return "feature \"\(f.attribute)\" is given twice" }
            if let m = f.missing, !m.isFinite { return "feature \"\(f.attribute)\": missing must be a finite number" }
        }
        if !(2...50).contains(k) { return "k must be 2 to 50, not \(k)" }
        if !(1...50).contains(restarts) { return "restarts must be 1 to 50, not \(restarts)" }
        if !(100...5_000_000).contains(sample) { return "sample must be 100 to 5000000, not \(sample)" }
        if names.count > k { return "\(names.count) names for \(k) clusters" }
        if let long = names.first(where: { $0.utf8.count > 100 }) { return "cluster name \"\(long.prefix(20))…\" is over 100 bytes" }
        if let fit {
            let d = features.count
            guard fit.means.count == d, fit.deviations.count == d, fit.centroids.count == k,
                  fit.centroids.allSatisfy({ $0.count == d }), fit.sizes.count == k,
                  (fit.means + fit.deviations + fit.centroids.joined()).allSatisfy(\.isFinite),
                  fit.deviations.allSatisfy({ $0 > 0 })
            else { return "the stored fit does not match the model: fit it again" }
        }
        return nil
    }

    /// The model without its fit (as an operator writes it).
    public var unfitted: ClusterModel {
        var m = self
        m.fit = nil
        return m
    }

    /// The name of cluster `number` (1-based): the operator's, or "Cluster N".
    public func name(of number: Int) -> String { givenName(of: number) ?? "Cluster \(number)" }

    /// The name the operator gave cluster `number` (1-based), if any.
    public func givenName(of number: Int) -> String? {
        number >= 1 && number <= names.count && !names[number - 1].isEmpty ? names[number - 1] : nil  // trap-ok: checked
    }

    /// A profile's figures, one per feature, from what `read` finds at each
    /// attribute path; `nil` when one is missing (and has no default) or is
    /// not a finite number.
    public func figures(_ read: ([String]) -> JSONValue?) -> [Double]? {
        var out: [Double] = []
        out.reserveCapacity(features.count)
        for f in features {
            let x = read(f.path).flatMap(ConditionEvaluator.number) ?? f.missing
            guard let x, x.isFinite else { return nil }
            out.append(x)
        }
        return out
    }

    /// The cluster (1-based) whose centroid is nearest to these figures; `nil` before a fit.
    public func cluster(of figures: [Double]) -> Int? {
        guard let fit, figures.count == features.count else { return nil }
        var best: Int?
        var bestDistance = Double.infinity
        for (c, centre) in fit.centroids.enumerated() {
            var s = 0.0
            for (j, x) in figures.enumerated() where j < centre.count {
                let v = (Self.transformed(x, features[j].transform) - fit.means[j]) / fit.deviations[j]  // trap-ok: d figures, checked fit
                let delta = v - centre[j]  // trap-ok: checked
                s += delta * delta
            }
            if s < bestDistance { (best, bestDistance) = (c + 1, s) }
        }
        return best
    }

    /// Cluster `number`'s centroid in the features' own units (the scaling
    /// and the transform undone); empty before a fit.
    public func centre(of number: Int) -> [Double] {
        guard let fit, number >= 1, number <= fit.centroids.count else { return [] }
        return fit.centroids[number - 1].enumerated().map { j, x in  // trap-ok: checked
            guard j < features.count else { return x }
            let v = x * fit.deviations[j] + fit.means[j]  // trap-ok: checked fit
            switch features[j].transform {  // trap-ok: checked
            case .none: return v
            case .log: return exp(v)
            case .log1p: return expm1(v)
            }
        }
    }

    static func transformed(_ x: Double, _ t: KMeans.Transform) -> Double {
        switch t {
        case .none: x
        case .log: log(max(x, 1))
        case .log1p: log1p(max(x, 0))
        }
    }

    /// The model fitted on these figures (one row per profile, in a fixed
    /// order): at most ``sample`` rows evenly spread, k-means from
    /// ``seed``, clusters renumbered by size, then every row assigned to
    /// count the sizes.
    public func fitted(on rows: [[Double]], at now: Int64) throws(RapportError) -> ClusterModel {
        if let problem = unfitted.problem { throw RapportError(.invalidArgument, problem) }
        let d = features.count
        let usable = rows.filter { $0.count == d }
        guard usable.count >= k else {
            throw RapportError(.invalidArgument,
                               "\(usable.count) profiles have every feature: too few for \(k) clusters")
        }
        let chosen: [[Double]]
        if usable.count > sample {
            chosen = (0..<sample).map { i in usable[i * usable.count / sample] }  // trap-ok: i < sample < count
        } else {
            chosen = usable
        }
        let columns = (0..<d).map { j in chosen.map { $0[j] } }  // trap-ok: rows of d figures
        let prepared = KMeans.prepare(columns, transforms: features.map(\.transform), standardise: standardise)
        let result = try KMeans(k: k, restarts: restarts, seed: seed).fit(prepared.points, dimensions: d)
        // Largest first (ties: k-means' order), so numbers mean something and stay put across fits of similar data.
        let order = (0..<k).sorted { a, b in
            let (sa, sb) = (result.sizes[a], result.sizes[b])  // trap-ok: k sizes
            return sa != sb ? sa > sb : a < b
        }
        var model = unfitted
        model.fit = Fit(means: prepared.means, deviations: prepared.deviations,
                        centroids: order.map { result.centroids[$0] },  // trap-ok: k centroids
                        sizes: [Int](repeating: 0, count: k), inertia: result.inertia, profiles: usable.count,
                        sampled: chosen.count, iterations: result.iterations, fittedAt: now)
        var sizes = [Int](repeating: 0, count: k)
        for row in usable {
            if let c = model.cluster(of: row) { sizes[c - 1] += 1 }  // trap-ok: 1 ≤ c ≤ k
        }
        model.fit?.sizes = sizes
        return model
    }
}

extension KMeans.Transform: Codable {}
