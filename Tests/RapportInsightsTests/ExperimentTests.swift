import Foundation
import RapportCore
import Testing

@testable import RapportAudience

@testable import RapportInsights

/// SciPy's figures (make-experiment-reference.py).
struct ExperimentReference: Decodable {
    struct ProportionCase: Decodable {
        var control: [Int], treatment: [Int], confidence: Double, z: Double, p: Double, ci: [Double]
        var lift: Double?
        var lift_ci: [Double]?
    }
    struct WelchCase: Decodable {
        var control: [Double], treatment: [Double], confidence: Double, t: Double, df: Double, p: Double, ci: [Double]
    }
    struct BetaCase: Decodable { var control: [Int], treatment: [Int], p_beat: Double }
    struct SRMCase: Decodable { var observed: [Int], shares: [Double], chi2: Double, p: Double }
    struct DistributionCase: Decodable {
        var kind: String, value: Double
        var x: Double?, a: Double?, b: Double?, t: Double?, df: Double?, p: Double?
    }
    var proportions: [ProportionCase]
    var welch: [WelchCase]
    var beta: [BetaCase]
    var srm: [SRMCase]
    var distributions: [DistributionCase]

    static func load() throws -> ExperimentReference {
        try JSONDecoder().decode(ExperimentReference.self, from: Data(try fixtureText("experiment-reference.json").utf8))
    }
}

/// |a − b| within `relative` of b (or absolutely, near 0).
func close(_ a: Double, _ b: Double, _ relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(b), 1e-3)
}

@Suite struct ExperimentTests {
    @Test func distributionsMatchSciPy() throws {
        for c in try ExperimentReference.load().distributions {
            let got: Double?
            switch c.kind {
            case "beta_cdf": got = Distributions.regularizedBeta(try #require(c.x), try #require(c.a), try #require(c.b))
            case "t_sf": got = Distributions.studentTSurvival(try #require(c.t), df: try #require(c.df))
            case "t_ppf": got = Distributions.studentTQuantile(try #require(c.p), df: try #require(c.df))
            case "chi2_sf": got = Distributions.chiSquareSurvival(try #require(c.x), df: try #require(c.df))
            case "norm_ppf": got = Distributions.normalQuantile(try #require(c.p))
            default: got = nil
            }
            let value = try #require(got, "\(c.kind)")
            #expect(close(value, c.value), "\(c.kind) \(c): \(value)")
        }
    }

    @Test func twoProportionZTestMatchesSciPy() throws {
        for c in try ExperimentReference.load().proportions {
            let r = try Experiment.proportionTest(
                control: .init(conversions: c.control[0], trials: c.control[1]),
                treatment: .init(conversions: c.treatment[0], trials: c.treatment[1]), confidence: c.confidence)
            #expect(close(r.z, c.z))
            #expect(close(r.pValue, c.p))
            #expect(close(r.interval.lower, c.ci[0]) && close(r.interval.upper, c.ci[1]))
            if let lift = c.lift, let ci = c.lift_ci {
                #expect(close(try #require(r.lift), lift))
                let got = try #require(r.liftInterval)
                #expect(close(got.lower, ci[0]) && close(got.upper, ci[1]))
            } else {
                #expect(r.lift == nil)
            }
        }
    }

    @Test func welchTestMatchesSciPy() throws {
        for c in try ExperimentReference.load().welch {
            let r = try Experiment.welchTest(control: Experiment.Sample(c.control), treatment: Experiment.Sample(c.treatment),
                                             confidence: c.confidence)
            #expect(close(r.t, c.t))
            #expect(close(r.degreesOfFreedom, c.df))
            #expect(close(r.pValue, c.p, 1e-8))
            #expect(close(r.interval.lower, c.ci[0]) && close(r.interval.upper, c.ci[1]))
        }
    }

    @Test func probabilityToBeatControlMatchesIntegration() throws {
        for c in try ExperimentReference.load().beta {
            let p = try Experiment.probabilityToBeatControl(
                control: .init(conversions: c.control[0], trials: c.control[1]),
                treatment: .init(conversions: c.treatment[0], trials: c.treatment[1]))
            #expect(abs(p - c.p_beat) < 1e-9, "\(c): \(p)")
        }
        // Swapping the arms gives the complement.
        let p = try Experiment.probabilityToBeatControl(control: .init(conversions: 150, trials: 1000),
                                                        treatment: .init(conversions: 120, trials: 1000))
        #expect(abs(p - (1 - 0.9750678368111434)) < 1e-9)
    }

    @Test func sampleRatioMismatchMatchesSciPy() throws {
        for c in try ExperimentReference.load().srm {
            let r = try Experiment.sampleRatioCheck(observed: c.observed, plannedShares: c.shares)
            #expect(close(r.chiSquare, c.chi2))
            #expect(close(r.pValue, c.p, 1e-8))
            #expect(r.mismatch == (c.p < 0.001))
        }
    }

    @Test func badInputIsRefusedWithAReason() {
        #expect(throws: RapportError.self) {
            try Experiment.proportionTest(control: .init(conversions: 5, trials: 3), treatment: .init(conversions: 1, trials: 2))
        }
        #expect(throws: RapportError.self) {
            try Experiment.proportionTest(control: .init(conversions: 1, trials: 0), treatment: .init(conversions: 1, trials: 2))
        }
        #expect(throws: RapportError.self) {
            try Experiment.proportionTest(control: .init(conversions: 1, trials: 10), treatment: .init(conversions: 1, trials: 10),
                                          confidence: 1)
        }
        #expect(throws: RapportError.self) {
            try Experiment.welchTest(control: .init([1]), treatment: .init([1, 2, 3]))
        }
        #expect(throws: RapportError.self) {
            try Experiment.sampleRatioCheck(observed: [10, 10], plannedShares: [0.5])
        }
        #expect(throws: RapportError.self) { try Experiment.SequentialTest(effectScale: 0) }
    }

    /// A/A tests watched at 20 looks: peeking at a z-test rejects far more often than 5%; the mSPRT stays under it.
    /// With a real difference the mSPRT still finds it.
    @Test func sequentialTestKeepsItsLevelUnderPeeking() throws {
        var random = SplitMix(seed: 42)
        func run(control pa: Double, treatment pb: Double) throws -> (naive: Bool, sequential: Bool) {
            var a = Experiment.Proportion(conversions: 0, trials: 0), b = a
            var test = try Experiment.SequentialTest(alpha: 0.05, effectScale: 0.02)
            var naive = false
            for _ in 0..<20 {
                for _ in 0..<250 {
                    a.trials += 1
                    b.trials += 1
                    if random.unit() < pa { a.conversions += 1 }
                    if random.unit() < pb { b.conversions += 1 }
                }
                if try Experiment.proportionTest(control: a, treatment: b).pValue < 0.05 { naive = true }
                try test.look(control: a, treatment: b)
            }
            #expect(test.looks == 20)
            return (naive, test.significant)
        }
        var naive = 0, sequential = 0
        let runs = 400
        for _ in 0..<runs {
            let r = try run(control: 0.1, treatment: 0.1)
            if r.naive { naive += 1 }
            if r.sequential { sequential += 1 }
        }
        #expect(Double(naive) / Double(runs) > 0.12)
        #expect(Double(sequential) / Double(runs) <= 0.06)
        var found = 0
        for _ in 0..<100 where try run(control: 0.10, treatment: 0.13).sequential { found += 1 }
        #expect(found >= 85)
    }

    @Test func sequentialIntervalsNarrowAndCoverTheEstimate() throws {
        var test = try Experiment.SequentialTest(alpha: 0.05, effectScale: 1)
        var widths: [Double] = []
        for n in [100, 400, 1600] {
            try test.look(control: .init(count: n, mean: 10, variance: 4), treatment: .init(count: n, mean: 10.5, variance: 4))
            widths.append(test.interval.upper - test.interval.lower)
            #expect(test.interval.contains(0.5))
        }
        #expect(widths[0] > widths[1] && widths[1] > widths[2])
        // p never rises again.
        let before = test.pValue
        try test.look(control: .init(count: 2000, mean: 10, variance: 4), treatment: .init(count: 2000, mean: 10, variance: 4))
        #expect(test.pValue == before)
    }
}
