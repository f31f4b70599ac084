import Foundation
import RapportCore

extension Experiment {
    /// An always-valid test of treatment − control, which may be looked at
    /// after every batch of data without inflating false positives: the
    /// mixture sequential probability ratio test (mSPRT) of Johari, Koomen,
    /// Pekelis & Walsh (2017, "Peeking at A/B tests"), as Optimizely runs it.
    ///
    /// At each look the estimate θ̂ (the difference of means or rates) and its
    /// variance V give the likelihood ratio of "some effect, drawn from
    /// N(0, τ²)" against "none": Λ = √(V/(V + τ²)) · exp(τ² θ̂² / (2V(V + τ²))).
    /// The always-valid p-value is the least 1/Λ seen so far; the interval is
    /// the intersection of every look's θ̂ ± √(V(V + τ²)/τ² · (ln((V + τ²)/V) − 2 ln α)).
    /// τ is the scale of effects expected (in the metric's units: 0.01 for a
    /// percentage point of conversion).
    public struct SequentialTest: Sendable, Equatable {
        public let alpha: Double
        public let mixingVariance: Double
        /// The always-valid p-value so far.
        public private(set) var pValue = 1.0
        /// The always-valid interval so far.
        public private(set) var interval = Interval(-.infinity, .infinity)
        public private(set) var looks = 0

        /// A test at level `alpha` expecting effects of about `effectScale` (τ).
        public init(alpha: Double = 0.05, effectScale: Double) throws(RapportError) {
            guard alpha > 0, alpha < 1 else { throw RapportError(.invalidArgument, "alpha must be between 0 and 1") }
            guard effectScale > 0, effectScale.isFinite else {
                throw RapportError(.invalidArgument, "the effect scale τ must be a positive number")
            }
            self.alpha = alpha
            self.mixingVariance = effectScale * effectScale
        }

        /// Whether the test has rejected "no difference" (p < α); once it has, it stays so.
        public var significant: Bool { pValue < alpha }

        /// Takes a look at the arms' figures so far (each look's data include the earlier ones').
        @discardableResult
        public mutating func look(control: Sample, treatment: Sample) throws(RapportError) -> Double {
            guard control.count >= 2, treatment.count >= 2 else {
                throw RapportError(.insufficientData, "each arm needs at least 2 values before a look")
            }
            let v = control.variance / Double(control.count) + treatment.variance / Double(treatment.count)
            return update(estimate: treatment.mean - control.mean, variance: v)
        }

        /// Takes a look at the arms' conversions so far.
        @discardableResult
        public mutating func look(control: Proportion, treatment: Proportion) throws(RapportError) -> Double {
            let a = try control.validated("control"), b = try treatment.validated("treatment")
            let v = a.rate * (1 - a.rate) / Double(a.trials) + b.rate * (1 - b.rate) / Double(b.trials)
            return update(estimate: b.rate - a.rate, variance: v)
        }

        /// Folds in one look; returns the p-value so far.
        mutating func update(estimate: Double, variance v: Double) -> Double {
            looks += 1
            // No variance yet (everyone or no one converted): nothing can be concluded from this look.
            guard v > 0, v.isFinite, estimate.isFinite else { return pValue }
            let t2 = mixingVariance
            let logLambda = 0.5 * log(v / (v + t2)) + t2 * estimate * estimate / (2 * v * (v + t2))
            pValue = min(pValue, min(1, exp(-logLambda)))
            let half = (v * (v + t2) / t2 * (log((v + t2) / v) - 2 * log(alpha))).squareRoot()
            interval = Interval(max(interval.lower, estimate - half), min(interval.upper, estimate + half))
            return pValue
        }
    }
}
