import Foundation
import RapportAudience
import RapportCore

/// The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005,
/// "Counting your customers the easy way"): while alive, a customer buys at
/// a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
/// probability p ~ Beta(a, b).
///
/// A customer's history is (x, tₓ, T): x repeat purchases (same-day
/// purchases merged), the last at tₓ, and T the time since their first
/// purchase, in one unit of time (weeks in the paper).
public struct BGNBD: Sendable, Equatable {
    public var r: Double
    public var alpha: Double
    public var a: Double
    public var b: Double

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// A fitted model with the data's log-likelihood.
    public struct Fit: Sendable, Equatable {
        public var model: BGNBD
        public var logLikelihood: Double
        public var customers: Int
        public var iterations: Int
    }

    /// Fits the model by maximum likelihood (BFGS over the logarithms of the
    /// parameters, analytic gradients). Customers with identical histories
    /// are counted once with a weight, so the cost of an iteration follows
    /// the number of distinct histories.
    public static func fit(_ histories: RepeatHistories) throws(RapportError) -> Fit {
        let data = Histories(histories)
        guard data.total > 0 else { throw RapportError(.insufficientData, "no customers to fit the BG/NBD model to") }
        guard data.x.contains(where: { $0 > 0 }) else {
            throw RapportError(.insufficientData, "no customer made a repeat purchase: the BG/NBD model cannot be fitted")
        }
        guard let result = Minimizer.bfgs(start: [0, 0, 0, 0], { data.negativeMeanLogLikelihood($0) }) else {
            throw RapportError(.insufficientData, "the BG/NBD likelihood is not defined at the starting point")
        }
        let p = result.point.map { exp($0) }
        guard result.converged, p.count == 4, p.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw RapportError(.insufficientData, "the BG/NBD fit did not converge (\(result.iterations) iterations)")
        }
        let model = BGNBD(r: p[0], alpha: p[1], a: p[2], b: p[3])  // trap-ok: count checked
        return Fit(model: model, logLikelihood: -result.value * data.total, customers: Int(data.total),
                   iterations: result.iterations)
    }

    /// The log-likelihood of one history.
    public func logLikelihood(x: Int, tx: Double, T: Double) -> Double {
        let xd = Double(x)
        let a1 = Special.logGamma(r + xd) - Special.logGamma(r) + r * log(alpha)
        let a2 = Special.logGamma(a + b) + Special.logGamma(b + xd) - Special.logGamma(b) - Special.logGamma(a + b + xd)
        let a3 = -(r + xd) * log(alpha + T)
        guard x > 0 else { return a1 + a2 + a3 }
        let a4 = log(a) - log(b + xd - 1) - (r + xd) * log(alpha + tx)
        return a1 + a2 + logSumExp(a3, a4)
    }

    /// P(alive | x, tₓ, T): the probability that the customer has not dropped out.
    public func probabilityAlive(x: Int, tx: Double, T: Double) -> Double {
        guard x > 0 else { return 1 }
        let xd = Double(x)
        let logRatio = log(a) - log(b + xd - 1) + (r + xd) * (log(alpha + T) - log(alpha + tx))
        return 1 / (1 + exp(logRatio))
    }

    /// E[Y(t) | x, tₓ, T]: the expected number of purchases in the next `t`
    /// units of time of a customer with this history; `nil` if it cannot be
    /// computed (t < 0, or the series does not settle).
    ///
    /// The paper's expression holds (α+T)/(α+T+t) to the power r + x times
    /// ₂F₁(r + x, b + x; a + b + x − 1; z), z = t/(α+T+t), over a − 1. By
    /// Euler's transformation that product is (1 − z)^(a−1) ₂F₁(a + b − 1 − r,
    /// a − 1; a + b + x − 1; z), whose second parameter is a − 1: writing the
    /// series as 1 + (a − 1)·G divides the bracket by a − 1 exactly, so a
    /// near 1 (where the paper's form is 0/0) and large x (where its series
    /// runs to huge terms) are both computed without loss.
    public func expectedPurchases(in t: Double, x: Int, tx: Double, T: Double) -> Double? {
        guard t >= 0, t.isFinite, tx >= 0, T >= tx else { return nil }
        if t == 0 { return 0 }
        let xd = Double(x)
        let epsilon = a - 1
        let c = a + b + xd - 1
        let upper = a + b - 1 - r
        let logOneMinusZ = -log1p(t / (alpha + T))
        let z = t / (alpha + T + t)
        // G = Σₙ≥₁ (upper)ₙ (ε + 1)ₙ₋₁ / ((c)ₙ n!) zⁿ
        var term = upper / c * z
        var g = term
        var n = 1.0
        var settled = false
        for _ in 0..<2_000_000 {
            term *= (upper + n) * (epsilon + n) / ((c + n) * (n + 1)) * z
            g += term
            n += 1
            if abs(term) <= 1e-17 * max(abs(g), 1e-300) || term == 0 {
                settled = true
                break
            }
        }
        guard settled, g.isFinite else { return nil }
        // [1 − (1 − z)^ε (1 + ε G)] / ε = −expm1(ε L)/ε − G (1 − z)^ε, L = ln(1 − z)
        let power = exp(epsilon * logOneMinusZ)
        let first = epsilon == 0 ? logOneMinusZ : expm1(epsilon * logOneMinusZ) / epsilon
        let bracket = -first - g * power
        var denominator = 1.0
        if x > 0 {
            denominator += exp(log(a) - log(b + xd - 1) + (r + xd) * (log(alpha + T) - log(alpha + tx)))
        }
        let value = (a + b + xd - 1) * bracket / denominator
        return value.isFinite ? max(value, 0) : nil
    }

    /// E[X(t)]: the expected number of repeat purchases in the first `t`
    /// units of time after a new customer's first purchase.
    public func expectedPurchases(in t: Double) -> Double? {
        expectedPurchases(in: t, x: 0, tx: 0, T: 0)
    }

    /// The histories, counted once per distinct (x, tₓ, T) with a weight.
    struct Histories: Sendable {
        struct Key: Hashable, Sendable {
            var x: Int
            var tx: UInt64
            var T: UInt64
        }
        var x: [Int] = []
        var tx: [Double] = []
        var T: [Double] = []
        var rows = WeightedRows<Key>()
        var weight: [Double] { rows.weight }
        var xIndex: [Int] { rows.xIndex }
        var distinctX: [Double] { rows.distinctX }
        var total: Double { rows.total }

        init(_ h: RepeatHistories) {
            for i in 0..<h.count {
                let xi = Int(h.x[i]), txi = h.tx[i], Ti = h.T[i]  // trap-ok: i < count, columns of one length
                guard xi >= 0, txi >= 0, Ti >= txi, Ti.isFinite,
                      rows.add(Key(x: xi, tx: txi.bitPattern, T: Ti.bitPattern), x: xi) else { continue }
                x.append(xi)
                tx.append(txi)
                T.append(Ti)
            }
        }

        /// −(1/N) Σ log-likelihood and its gradient in (ln r, ln α, ln a, ln b).
        func negativeMeanLogLikelihood(_ theta: [Double]) -> (value: Double, gradient: [Double])? {
            guard theta.count == 4 else { return nil }
            let r = exp(theta[0]), alpha = exp(theta[1]), a = exp(theta[2]), b = exp(theta[3])  // trap-ok: count checked
            guard [r, alpha, a, b].allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
            let m = distinctX.count
            var lgR = [Double](repeating: 0, count: m), psiR = lgR, a2 = lgR, dA2a = lgR, dA2b = lgR
            let lgr = Special.logGamma(r), psr = Special.digamma(r)
            let lgab = Special.logGamma(a + b), lgb = Special.logGamma(b)
            let psab = Special.digamma(a + b), psb = Special.digamma(b)
            for k in 0..<m {
                let xd = distinctX[k]  // trap-ok: k < m
                lgR[k] = Special.logGamma(r + xd) - lgr  // trap-ok: same
                psiR[k] = Special.digamma(r + xd) - psr  // trap-ok: same
                a2[k] = lgab + Special.logGamma(b + xd) - lgb - Special.logGamma(a + b + xd)  // trap-ok: same
                let psabx = Special.digamma(a + b + xd)
                dA2a[k] = psab - psabx  // trap-ok: same
                dA2b[k] = psab + Special.digamma(b + xd) - psb - psabx  // trap-ok: same
            }
            let tables = XTables(lgR: lgR, psiR: psiR, a2: a2, dA2a: dA2a, dA2b: dA2b)
            let parameters = (r: r, alpha: alpha, a: a, b: b)
            // Partial sums over ranges, added in range order: the same result however many cores.
            let sums = Parallel.map(Parallel.ranges(x.count, minimum: 65_536), cost: { $0.count }) { range in
                self.sums(range, parameters, tables)
            }
            var ll = 0.0, gr = 0.0, galpha = 0.0, ga = 0.0, gb = 0.0
            for s in sums {
                ll += s[0]  // trap-ok: sums returns five figures
                gr += s[1]  // trap-ok: same
                galpha += s[2]  // trap-ok: same
                ga += s[3]  // trap-ok: same
                gb += s[4]  // trap-ok: same
            }
            let n = total
            let value = -ll / n
            guard value.isFinite else { return nil }
            return (value, [-gr * r / n, -galpha * alpha / n, -ga * a / n, -gb * b / n])
        }

        /// The per-x figures of one evaluation.
        struct XTables: Sendable {
            var lgR: [Double], psiR: [Double], a2: [Double], dA2a: [Double], dA2b: [Double]
        }

        /// Σ w·ℓ and Σ w·∂ℓ/∂(r, α, a, b) over a range of the histories.
        func sums(_ range: Range<Int>, _ p: (r: Double, alpha: Double, a: Double, b: Double), _ t: XTables) -> [Double] {
            let r = p.r, alpha = p.alpha, a = p.a, b = p.b
            let logAlpha = log(alpha), logA = log(a)
            let weight = rows.weight, xIndex = rows.xIndex, distinctX = rows.distinctX
            var ll = 0.0, gr = 0.0, galpha = 0.0, ga = 0.0, gb = 0.0
            for i in range {
                let k = xIndex[i], w = weight[i]  // trap-ok: i < count, columns of one length
                let xd = distinctX[k], rx = r + xd  // trap-ok: k < m
                let logAT = log(alpha + T[i])  // trap-ok: i < count
                let a3 = -rx * logAT
                var value = t.lgR[k] + r * logAlpha + t.a2[k]  // trap-ok: k < m
                var dr = t.psiR[k] + logAlpha, dalpha = r / alpha  // trap-ok: k < m
                var da = t.dA2a[k], db = t.dA2b[k]  // trap-ok: k < m
                if x[i] > 0 {  // trap-ok: i < count
                    let logAtx = log(alpha + tx[i])  // trap-ok: i < count
                    let bx1 = b + xd - 1
                    let a4 = logA - log(bx1) - rx * logAtx
                    let top = max(a3, a4)
                    let e3 = exp(a3 - top), e4 = exp(a4 - top)
                    let w3 = e3 / (e3 + e4), w4 = e4 / (e3 + e4)
                    value += top + log(e3 + e4)
                    dr -= w3 * logAT + w4 * logAtx
                    dalpha -= w3 * rx / (alpha + T[i]) + w4 * rx / (alpha + tx[i])  // trap-ok: i < count
                    da += w4 / a
                    db -= w4 / bx1
                } else {
                    value += a3
                    dr -= logAT
                    dalpha -= rx / (alpha + T[i])  // trap-ok: i < count
                }
                ll += w * value
                gr += w * dr
                galpha += w * dalpha
                ga += w * da
                gb += w * db
            }
            return [ll, gr, galpha, ga, gb]
        }
    }
}

/// log(eᵃ + eᵇ) without overflow.
func logSumExp(_ a: Double, _ b: Double) -> Double {
    let top = max(a, b)
    guard top.isFinite else { return top }
    return top + log(exp(a - top) + exp(b - top))
}
