import Foundation
import RapportCore
import Testing

@testable import RapportAudience

@Suite struct KMeansTests {
    /// Three tight groups far apart: k-means finds them whatever the seed.
    @Test(arguments: [0, 1, 42] as [UInt64])
    func separatedGroupsAreFound(seed: UInt64) throws {
        var random = SplitMix(seed: 9)
        let centres: [(Double, Double)] = [(0, 0), (50, 50), (-40, 60)]
        var points: [Double] = []
        var truth: [Int] = []
        for i in 0..<300 {
            let c = i % 3
            points += [centres[c].0 + random.unit() - 0.5, centres[c].1 + random.unit() - 0.5]
            truth.append(c)
        }
        let r = try KMeans(k: 3, restarts: 3, seed: seed).fit(points, dimensions: 2)
        #expect(r.sizes.sorted() == [100, 100, 100])
        // The same partition as the truth, whatever the cluster numbers.
        var mapping: [Int: Int] = [:]
        for (label, t) in zip(r.labels, truth) {
            #expect(mapping[label, default: t] == t)
            mapping[label] = t
        }
        // Inertia is the sum of squared distances to the centroids it reports.
        var inertia = 0.0
        for i in 0..<300 {
            let c = r.centroids[r.labels[i]]
            inertia += pow(points[2 * i] - c[0], 2) + pow(points[2 * i + 1] - c[1], 2)
        }
        #expect(abs(inertia - r.inertia) < 1e-9 * max(1, inertia))
        #expect(r.inertia < 300 * 0.5)
    }

    @Test func theSameSeedGivesTheSameClustersAndMoreRestartsNeverWorse() throws {
        var random = SplitMix(seed: 3)
        let points = (0..<2_000).map { _ in random.unit() * 10 }
        let a = try KMeans(k: 6, restarts: 2, seed: 7).fit(points, dimensions: 2)
        let b = try KMeans(k: 6, restarts: 2, seed: 7).fit(points, dimensions: 2)
        #expect(a == b)
        // More runs from the same seed start with the same runs, so never do worse.
        let more = try KMeans(k: 6, restarts: 8, seed: 7).fit(points, dimensions: 2)
        #expect(more.inertia <= a.inertia)
        #expect(a.labels.allSatisfy { (0..<6).contains($0) })
    }

    @Test func badInputIsRefusedWithAReason() {
        func message(_ k: KMeans, _ points: [Double], _ d: Int) -> String? {
            do throws(RapportError) {
                _ = try k.fit(points, dimensions: d)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message(KMeans(k: 3), [1, 2, 3, 4], 2)?.contains("cannot make 3 clusters") == true)
        #expect(message(KMeans(k: 0), [1, 2], 1)?.contains("k must be") == true)
        #expect(message(KMeans(k: 1), [1, 2, 3], 2)?.contains("rows of 2") == true)
        #expect(message(KMeans(k: 1), [1, .nan], 1)?.contains("finite") == true)
        #expect(message(KMeans(k: 1), [1, .infinity], 1)?.contains("finite") == true)
        #expect(message(KMeans(k: 1, restarts: 0), [1, 2], 1)?.contains("at least 1") == true)
        // Identical points: inertia 0, not a division by zero.
        #expect(message(KMeans(k: 2), [5, 5, 5], 1) == nil)
    }

    @Test func preparedFiguresAreTransformedThenStandardised() {
        let (points, means, deviations) = KMeans.prepare([[0, 1, Foundation.exp(2)], [0, 1, 3], [7, 7, 7]],
                                                          transforms: [.log, .log1p, .none], standardise: true)
        // log of less than 1 is taken at 1: logs are 0, 0, 2.
        #expect(abs(means[0] - 2.0 / 3) < 1e-12)
        #expect(abs(means[1] - (Foundation.log1p(1) + Foundation.log1p(3)) / 3) < 1e-12)
        // A constant column is centred, not divided by zero.
        #expect(deviations[2] == 1 && points[2] == 0 && points[5] == 0 && points[8] == 0)
        // Each standardised column has mean 0 and (population) deviation 1.
        for j in 0..<2 {
            let col = [points[j], points[3 + j], points[6 + j]]
            #expect(abs(col.reduce(0, +)) < 1e-12)
            #expect(abs(col.map { $0 * $0 }.reduce(0, +) / 3 - 1) < 1e-12)
        }
    }
}
