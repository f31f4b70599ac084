import Foundation

/// Distribution functions for the experiment statistics: the normal,
/// Student's t and χ² distributions through the regularized incomplete beta
/// and gamma functions (continued fractions, as in Numerical Recipes §6.2–6.4).
public enum Distributions {
    /// Φ(z), the standard normal CDF.
    public static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) for 0 < p < 1 (`nil` otherwise): Acklam's rational
    /// approximation, polished by one Halley step to full precision.
    public static func normalQuantile(_ p: Double) -> Double? {
        guard p > 0, p < 1 else { return nil }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        // trap-ok: the coefficient tables are constants of the lengths read
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)  // trap-ok
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)  // trap-ok
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)  // trap-ok
        }
        // Halley's step on Φ(x) − p.
        let e = (p < 0.5 ? normalCDF(x) - p : -(0.5 * erfc(x / 2.0.squareRoot()) - (1 - p)))
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// ln B(a, b).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        Special.logGamma(a) + Special.logGamma(b) - Special.logGamma(a + b)
    }

    /// The regularized incomplete beta function Iₓ(a, b), for a, b > 0 and 0 ≤ x ≤ 1 (NaN otherwise).
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1, a.isFinite, b.isFinite else { return .nan }
        if x == 0 { return 0 }
        if x == 1 { return 1 }
        let front = exp(a * log(x) + b * log1p(-x) - logBeta(a, b))
        // The continued fraction converges fast for x < (a + 1)/(a + b + 2); otherwise by symmetry.
        if x < (a + 1) / (a + b + 2) {
            return front * betaFraction(x, a, b) / a
        }
        return 1 - front * betaFraction(1 - x, b, a) / b
    }

    /// The continued fraction of Iₓ(a, b) (modified Lentz).
    static func betaFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...100_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }

    /// P(T > t) for Student's t with `df` > 0 degrees of freedom.
    public static func studentTSurvival(_ t: Double, df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return t > 0 ? 0 : 1 }
        let tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5)
        return t > 0 ? tail : 1 - tail
    }

    /// The density of Student's t.
    static func studentTDensity(_ t: Double, df: Double) -> Double {
        exp(Special.logGamma((df + 1) / 2) - Special.logGamma(df / 2) - 0.5 * log(df * Double.pi)
            - (df + 1) / 2 * log1p(t * t / df))
    }

    /// The p-quantile of Student's t (`nil` for p outside (0, 1) or df ≤ 0):
    /// Newton's method on the survival function, kept inside a bracket.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double? {
        guard p > 0, p < 1, df > 0, df.isFinite else { return nil }
        if p == 0.5 { return 0 }
        // By symmetry, solve for the upper tail q = 1 − p > 0 side.
        let upper = p > 0.5
        let q = upper ? 1 - p : p  // P(T > x) = q with x > 0
        var lo = 0.0, hi = 1.0
        while studentTSurvival(hi, df: df) > q {
            lo = hi
            hi *= 2
            if hi > 1e300 { return nil }
        }
        var x = max(lo, min(hi, normalQuantile(1 - q) ?? 1))
        for _ in 0..<200 {
            let f = studentTSurvival(x, df: df) - q
            if f > 0 { lo = x } else { hi = x }
            let step = f / studentTDensity(x, df: df)  // the survival function falls at the density
            var next = x + step
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            if abs(next - x) <= 1e-15 * max(1, abs(x)) {
                x = next
                break
            }
            x = next
        }
        return upper ? x : -x
    }

    /// Q(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function (a > 0, x ≥ 0).
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0, a.isFinite else { return .nan }
        if x == 0 { return 1 }
        if x.isInfinite { return 0 }
        let logFront = a * log(x) - x - Special.logGamma(a)
        if x < a + 1 {
            // The series of P(a, x).
            var ap = a, sum = 1 / a, del = sum
            for _ in 0..<100_000 {
                ap += 1
                del *= x / ap
                sum += del
                if abs(del) < abs(sum) * 1e-17 { break }
            }
            return 1 - sum * exp(logFront)
        }
        // The continued fraction of Q(a, x) (modified Lentz).
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(logFront) * h
    }

    /// P(X > x) for χ² with `df` degrees of freedom.
    public static func chiSquareSurvival(_ x: Double, df: Double) -> Double {
        guard df > 0 else { return .nan }
        return x <= 0 ? 1 : regularizedGammaQ(df / 2, x / 2)
    }
}
