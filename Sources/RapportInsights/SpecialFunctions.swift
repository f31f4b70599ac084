import Foundation

/// The special functions the models need, written out so that they are
/// pure (no global state, as C's `lgamma` has with `signgam`) and behave the
/// same on every platform.
public enum Special {
    /// Lanczos coefficients (g = 7, n = 9): relative error below 2e-15 for x > 0.
    private static let lanczos: [Double] = [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ]

    /// ln Γ(x) for x > 0 (NaN otherwise).
    public static func logGamma(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
        if x < 0.5 {
            // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
            return log(Double.pi / sin(Double.pi * x)) - logGamma(1 - x)
        }
        let z = x - 1
        var sum = lanczos[0]  // trap-ok: constant table
        for i in 1..<lanczos.count { sum += lanczos[i] / (z + Double(i)) }  // trap-ok: i < count
        let t = z + 7.5
        return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
    }

    /// The digamma function ψ(x) = d/dx ln Γ(x), for x > 0 (NaN otherwise):
    /// the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series.
    public static func digamma(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
        var x = x
        var result = 0.0
        while x < 10 {
            result -= 1 / x
            x += 1
        }
        let f = 1 / (x * x)
        // Bernoulli terms: 1/12, −1/120, 1/252, −1/240, 1/132, −691/32760, 1/12.
        let series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760 - f / 12))))))
        return result + log(x) - 0.5 / x - series
    }

    /// The Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 and c > 0,
    /// by its power series; `nil` where that is not defined or does not
    /// settle within `maxTerms` terms.
    ///
    /// When c − a − b < 0 the terms grow before they shrink as z nears 1;
    /// Euler's transformation ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z)
    /// is summed instead, whose terms decay from the start.
    public static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double,
                                         maxTerms: Int = 1_000_000) -> Double? {
        guard z >= 0, z < 1, c > 0, a.isFinite, b.isFinite, c.isFinite else { return nil }
        if c - a - b < 0 {
            guard let s = series(c - a, c - b, c, z, maxTerms: maxTerms) else { return nil }
            return pow(1 - z, c - a - b) * s
        }
        return series(a, b, c, z, maxTerms: maxTerms)
    }

    /// Σ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ until the terms no longer change the sum.
    static func series(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maxTerms: Int) -> Double? {
        var term = 1.0, sum = 1.0
        var n = 0.0
        for _ in 0..<maxTerms {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            sum += term
            n += 1
            if term == 0 || (abs(term) <= 1e-17 * abs(sum) && abs((a + n) * (b + n) / ((c + n) * (n + 1)) * z) < 1) {
                return sum.isFinite ? sum : nil
            }
        }
        return nil
    }
}
