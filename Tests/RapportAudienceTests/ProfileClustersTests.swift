import Foundation
import RapportCore
import Testing

@testable import RapportAudience

/// The cluster model of a workspace: fitting (the same k-means as
/// `rapport cluster`, numbered by size), nearest-centroid assignment, centres
/// in the features' units, refused models, and the JSON it is stored as.
@Suite struct ProfileClustersTests {
    /// Rows of (spend, orders) in three groups of different sizes.
    static func rows(seed: UInt64 = 5) -> [[Double]] {
        var random = SplitMix(seed: seed)
        var out: [[Double]] = []
        for (count, spend, orders) in [(60, 50.0, 1.0), (150, 900.0, 6.0), (30, 20_000.0, 40.0)] {
            for _ in 0..<count {
                out.append([spend * (0.8 + 0.4 * random.unit()), orders * (0.8 + 0.4 * random.unit())])
            }
        }
        return out
    }

    static let model = ClusterModel(features: [.init("lifetime_revenue", transform: .log1p), .init("orders", transform: .log)],
                                    k: 3, restarts: 4, seed: 7)

    @Test func aFitIsKMeansOverTheTransformedFiguresNumberedBySize() throws {
        let rows = Self.rows()
        let fitted = try Self.model.fitted(on: rows, at: 1_000)
        let fit = try #require(fitted.fit)
        #expect(fit.sizes == [150, 60, 30], "largest first")
        #expect(fit.profiles == 240 && fit.sampled == 240 && fit.fittedAt == 1_000)
        #expect(fitted.problem == nil)

        // The same k-means over the same prepared points: the same inertia and the same partition.
        let columns = [rows.map { $0[0] }, rows.map { $0[1] }]
        let prepared = KMeans.prepare(columns, transforms: [.log1p, .log], standardise: true)
        let direct = try KMeans(k: 3, restarts: 4, seed: 7).fit(prepared.points, dimensions: 2)
        #expect(abs(direct.inertia - fit.inertia) <= 1e-9 * direct.inertia)
        #expect(fit.means == prepared.means && fit.deviations == prepared.deviations)
        var mapping: [Int: Int] = [:]
        for (row, label) in zip(rows, direct.labels) {
            let c = try #require(fitted.cluster(of: row))
            #expect(mapping[label, default: c] == c, "one k-means cluster is one numbered cluster")
            mapping[label] = c
        }
        #expect(Set(mapping.values) == [1, 2, 3])

        // Centres in the features' own units: the biggest spenders' centre is near 20,000 and 40 orders.
        let big = fitted.centre(of: 3)
        #expect(big.count == 2 && big[0] > 15_000 && big[0] < 25_000 && big[1] > 30 && big[1] < 50)
        #expect(fitted.cluster(of: [25_000, 45]) == 3 && fitted.cluster(of: [40, 1]) == 2)
        #expect(fitted.centre(of: 0).isEmpty && fitted.centre(of: 4).isEmpty)
        #expect(fitted.cluster(of: [1]) == nil, "one figure per feature")
        #expect(Self.model.cluster(of: [25_000, 45]) == nil, "not fitted")

        // Deterministic; sampling takes evenly spread rows and still assigns all.
        #expect(try Self.model.fitted(on: rows, at: 1_000) == fitted)
        var small = Self.model
        small.sample = 100
        let sampled = try #require(try small.fitted(on: rows, at: 1_000).fit)
        #expect(sampled.sampled == 100 && sampled.profiles == 240 && sampled.sizes.reduce(0, +) == 240)
    }

    @Test func figuresComeFromAttributesWithDefaultsForMissingOnes() {
        var model = Self.model
        let values: [String: JSONValue] = ["lifetime_revenue": .number(120), "orders": .string("3")]
        #expect(model.figures { values[$0.joined(separator: ".")] } == [120, 3])
        #expect(model.figures { $0 == ["orders"] ? .number(2) : nil } == nil, "a missing figure: no cluster")
        #expect(model.figures { _ in .string("many") } == nil, "not a number")
        #expect(model.figures { _ in .number(.infinity) } == nil)
        model.features[0].missing = 0
        #expect(model.figures { $0 == ["orders"] ? .number(2) : nil } == [0, 2])
        #expect(ClusterModel.rfm.features.map(\.path) == [["rfm", "recency_days"], ["rfm", "frequency"], ["rfm", "monetary"]])
    }

    @Test func badModelsAreRefusedWithTheReason() throws {
        func problem(_ change: (inout ClusterModel) -> Void) -> String? {
            var m = Self.model
            change(&m)
            return m.problem
        }
        #expect(problem { $0.features = [] }?.contains("features") == true)
        #expect(problem { $0.features.append(.init("cluster")) }?.contains("itself") == true)
        #expect(problem { $0.features.append(.init("orders")) }?.contains("twice") == true)
        #expect(problem { $0.features.append(.init("a..b")) }?.contains("a..b") == true)
        #expect(problem { $0.k = 1 }?.contains("k must") == true)
        #expect(problem { $0.k = 51 } != nil)
        #expect(problem { $0.restarts = 0 } != nil)
        #expect(problem { $0.sample = 10 } != nil)
        #expect(problem { $0.names = ["a", "b", "c", "d"] }?.contains("4 names") == true)
        #expect(problem { $0.features[0].missing = .nan } != nil)
        let fitted = try Self.model.fitted(on: Self.rows(), at: 0)
        var broken = fitted
        broken.fit?.centroids.removeLast()
        #expect(broken.problem?.contains("fit it again") == true)
        broken = fitted
        broken.fit?.deviations[0] = 0
        #expect(broken.problem != nil)
        #expect(throws: RapportError.self) { try Self.model.fitted(on: [[1, 1], [2, 2]], at: 0) }
        #expect(throws: RapportError.self) { try problemModel().fitted(on: Self.rows(), at: 0) }
    }

    func problemModel() -> ClusterModel {
        var m = Self.model
        m.k = 0
        return m
    }

    @Test func theStoredJSONReadsBackTheSameWithDefaults() throws {
        var fitted = try Self.model.fitted(on: Self.rows(), at: 5)
        fitted.names = ["Occasional", "", "Big"]
        let data = try JSONEncoder().encode(fitted)
        #expect(try JSONDecoder().decode(ClusterModel.self, from: data) == fitted)
        #expect(fitted.name(of: 1) == "Occasional" && fitted.name(of: 2) == "Cluster 2" && fitted.givenName(of: 2) == nil)
        let short = try JSONDecoder().decode(ClusterModel.self, from: Data(#"{"features":[{"attribute":"rfm.monetary"}]}"#.utf8))
        #expect(short == ClusterModel(features: [.init("rfm.monetary")]))
        #expect(short.k == 5 && short.standardise && short.restarts == 10 && short.sample == 200_000 && short.fit == nil)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ClusterModel.self, from: Data(#"{"features":[{"attribute":"x","transform":"sqrt"}]}"#.utf8))
        }
    }
}
