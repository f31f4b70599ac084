import Foundation
import RapportCore

/// The statistics of an A/B test: frequentist tests with intervals for the
/// lift, the Bayesian probability to beat control, a check that the arms got
/// the traffic planned, and a sequential test that may be watched as data
/// comes in.
public enum Experiment {
    /// Conversions out of trials in one arm.
    public struct Proportion: Sendable, Equatable {
        public var conversions: Int
        public var trials: Int

        public init(conversions: Int, trials: Int) {
            self.conversions = conversions
            self.trials = trials
        }

        public var rate: Double { trials > 0 ? Double(conversions) / Double(trials) : 0 }

        func validated(_ arm: String) throws(RapportError) -> Proportion {
            guard trials > 0, conversions >= 0, conversions <= trials else {
                throw RapportError(.invalidArgument,
                                   "the \(arm) needs 0 ≤ conversions ≤ trials and trials > 0 (got \(conversions) of \(trials))")
            }
            return self
        }
    }

    /// An interval, lower ≤ upper.
    public struct Interval: Sendable, Equatable {
        public var lower: Double
        public var upper: Double

        public init(_ lower: Double, _ upper: Double) {
            self.lower = lower
            self.upper = upper
        }

        public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
    }

    /// The two-proportion z-test of treatment against control.
    public struct ProportionTest: Sendable, Equatable {
        /// Treatment rate − control rate.
        public var difference: Double
        /// The statistic (pooled standard error, as the test assumes no difference).
        public var z: Double
        /// Two-sided.
        public var pValue: Double
        /// For the difference (unpooled standard error).
        public var interval: Interval
        /// Treatment rate / control rate − 1, with its interval (delta method);
        /// `nil` when the control converted nobody.
        public var lift: Double?
        public var liftInterval: Interval?
    }

    /// The two-proportion z-test, two-sided, with intervals at `confidence`.
    public static func proportionTest(control: Proportion, treatment: Proportion, confidence: Double = 0.95)
        throws(RapportError) -> ProportionTest
    {
        let a = try control.validated("control"), b = try treatment.validated("treatment")
        let q = try quantile(confidence)
        let na = Double(a.trials), nb = Double(b.trials), pa = a.rate, pb = b.rate
        let pooled = Double(a.conversions + b.conversions) / (na + nb)
        let se0 = (pooled * (1 - pooled) * (1 / na + 1 / nb)).squareRoot()
        let d = pb - pa
        // No variance at all (everyone or no one converted in both): no evidence of a difference.
        let z = se0 > 0 ? d / se0 : 0
        let p = 2 * Distributions.normalCDF(-abs(z))
        let se = (pa * (1 - pa) / na + pb * (1 - pb) / nb).squareRoot()
        var lift: Double?, liftInterval: Interval?
        if a.conversions > 0 {
            let ratio = pb / pa
            let seRatio = ratio * ((1 - pa) / (na * pa) + (b.conversions > 0 ? (1 - pb) / (nb * pb) : 0)).squareRoot()
            lift = ratio - 1
            liftInterval = Interval(ratio - 1 - q * seRatio, ratio - 1 + q * seRatio)
        }
        return ProportionTest(difference: d, z: z, pValue: min(1, p), interval: Interval(d - q * se, d + q * se),
                              lift: lift, liftInterval: liftInterval)
    }

    /// A sample's size, mean and (unbiased) variance — of revenue per user, say.
    public struct Sample: Sendable, Equatable {
        public var count: Int
        public var mean: Double
        public var variance: Double

        public init(count: Int, mean: Double, variance: Double) {
            self.count = count
            self.mean = mean
            self.variance = variance
        }

        /// The figures of `values` (Welford's method); non-finite values are left out.
        public init(_ values: some Sequence<Double>) {
            var n = 0, mean = 0.0, m2 = 0.0
            for v in values where v.isFinite {
                n += 1
                let delta = v - mean
                mean += delta / Double(n)
                m2 += delta * (v - mean)
            }
            self.init(count: n, mean: mean, variance: n > 1 ? m2 / Double(n - 1) : 0)
        }
    }

    /// Welch's t-test of the treatment's mean against the control's.
    public struct MeanTest: Sendable, Equatable {
        /// Treatment mean − control mean.
        public var difference: Double
        public var t: Double
        /// Welch–Satterthwaite degrees of freedom.
        public var degreesOfFreedom: Double
        /// Two-sided.
        public var pValue: Double
        public var interval: Interval
        /// Treatment mean / control mean − 1 with its interval (delta method); `nil` when the control's mean is 0.
        public var lift: Double?
        public var liftInterval: Interval?
    }

    /// Welch's t-test (unequal variances), two-sided, with intervals at `confidence`.
    public static func welchTest(control a: Sample, treatment b: Sample, confidence: Double = 0.95)
        throws(RapportError) -> MeanTest
    {
        guard a.count >= 2, b.count >= 2 else {
            throw RapportError(.insufficientData, "Welch's test needs at least 2 values in each arm")
        }
        guard a.variance >= 0, b.variance >= 0, a.mean.isFinite, b.mean.isFinite else {
            throw RapportError(.invalidArgument, "a sample's mean and variance must be finite, the variance ≥ 0")
        }
        guard (0.5..<1).contains(confidence) else {
            throw RapportError(.invalidArgument, "the confidence must be at least 0.5 and below 1")
        }
        let va = a.variance / Double(a.count), vb = b.variance / Double(b.count)
        let d = b.mean - a.mean
        let se = (va + vb).squareRoot()
        guard se > 0 else {
            throw RapportError(.insufficientData, "both samples are constant: Welch's test has no variance to work with")
        }
        let df = (va + vb) * (va + vb) / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        let t = d / se
        let p = 2 * Distributions.studentTSurvival(abs(t), df: df)
        guard let q = Distributions.studentTQuantile(0.5 + confidence / 2, df: df) else {
            throw RapportError(.invalidArgument, "no t quantile for confidence \(confidence)")
        }
        var lift: Double?, liftInterval: Interval?
        if a.mean != 0 {
            let ratio = b.mean / a.mean
            let seRatio = (vb / (a.mean * a.mean) + ratio * ratio * va / (a.mean * a.mean)).squareRoot()
            lift = ratio - 1
            liftInterval = Interval(ratio - 1 - q * seRatio, ratio - 1 + q * seRatio)
        }
        return MeanTest(difference: d, t: t, degreesOfFreedom: df, pValue: min(1, p),
                        interval: Interval(d - q * se, d + q * se), lift: lift, liftInterval: liftInterval)
    }

    /// P(p_treatment > p_control) with Beta(prior + conversions, prior + failures)
    /// posteriors, exactly (Evan Miller's sum, O(conversions) terms).
    public static func probabilityToBeatControl(control: Proportion, treatment: Proportion,
                                                prior: (successes: Int, failures: Int) = (1, 1)) throws(RapportError) -> Double
    {
        let a = try control.validated("control"), b = try treatment.validated("treatment")
        guard prior.successes >= 1, prior.failures >= 1 else {
            throw RapportError(.invalidArgument, "the prior's pseudo-counts must be at least 1")
        }
        let alphaA = a.conversions + prior.successes, betaA = a.trials - a.conversions + prior.failures
        let alphaB = b.conversions + prior.successes, betaB = b.trials - b.conversions + prior.failures
        // The sum runs over the treatment's α: take the arm with the smaller α (P(A > B) = 1 − P(B > A)).
        if alphaB <= alphaA {
            return beats(alphaA: alphaA, betaA: betaA, alphaB: alphaB, betaB: betaB)
        }
        return 1 - beats(alphaA: alphaB, betaA: betaB, alphaB: alphaA, betaB: betaA)
    }

    /// P(X_B > X_A), X ~ Beta(α, β), for an integer α_B:
    /// Σᵢ₌₀^{α_B−1} B(α_A + i, β_A + β_B) / ((β_B + i) B(1 + i, β_B) B(α_A, β_A)).
    static func beats(alphaA: Int, betaA: Int, alphaB: Int, betaB: Int) -> Double {
        let aa = Double(alphaA), ba = Double(betaA), bb = Double(betaB)
        let base = Distributions.logBeta(aa, ba)
        var total = 0.0
        for i in 0..<alphaB {
            let id = Double(i)
            total += exp(Distributions.logBeta(aa + id, ba + bb) - log(bb + id) - Distributions.logBeta(1 + id, bb) - base)
        }
        return min(1, max(0, total))
    }

    /// Whether the arms received the traffic planned.
    public struct SampleRatioCheck: Sendable, Equatable {
        public var chiSquare: Double
        public var degreesOfFreedom: Int
        public var pValue: Double
        /// p below the threshold (0.001 by convention): the split is broken and the results are not to be trusted.
        public var mismatch: Bool
    }

    /// Pearson's χ² test of the arms' counts against the planned shares.
    public static func sampleRatioCheck(observed: [Int], plannedShares: [Double], threshold: Double = 0.001)
        throws(RapportError) -> SampleRatioCheck
    {
        guard observed.count >= 2, observed.count == plannedShares.count else {
            throw RapportError(.invalidArgument, "give at least two arms, each with a count and a planned share")
        }
        guard observed.allSatisfy({ $0 >= 0 }), plannedShares.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw RapportError(.invalidArgument, "counts must be ≥ 0 and planned shares > 0")
        }
        let total = Double(observed.reduce(0) { $0 &+ $1 })
        guard total > 0 else { throw RapportError(.insufficientData, "no traffic yet") }
        let shareSum = plannedShares.reduce(0, +)
        var chi = 0.0
        for (o, s) in zip(observed, plannedShares) {
            let expected = total * s / shareSum
            chi += (Double(o) - expected) * (Double(o) - expected) / expected
        }
        let df = observed.count - 1
        let p = Distributions.chiSquareSurvival(chi, df: Double(df))
        return SampleRatioCheck(chiSquare: chi, degreesOfFreedom: df, pValue: p, mismatch: p < threshold)
    }

    /// The normal quantile of a two-sided `confidence`.
    static func quantile(_ confidence: Double) throws(RapportError) -> Double {
        guard (0.5..<1).contains(confidence), let q = Distributions.normalQuantile(0.5 + confidence / 2) else {
            throw RapportError(.invalidArgument, "the confidence must be at least 0.5 and below 1")
        }
        return q
    }
}
