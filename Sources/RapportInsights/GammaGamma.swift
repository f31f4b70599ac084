import Foundation
import RapportAudience
import RapportCore

/// The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005,
/// "RFM and CLV: using iso-value curves"; Colombo & Jiang 1999): a
/// customer's transaction values are Gamma(p, ν) around their own mean,
/// with ν ~ Gamma(q, γ) across customers. Fitted to customers with at least
/// one repeat purchase, on x (their repeat purchases) and mₓ (the average
/// value of those purchases).
public struct GammaGamma: Sendable, Equatable {
    public var p: Double
    public var q: Double
    public var gamma: Double

    public init(p: Double, q: Double, gamma: Double) {
        self.p = p
        self.q = q
        self.gamma = gamma
    }

    /// A fitted model with the data's log-likelihood.
    public struct Fit: Sendable, Equatable {
        public var model: GammaGamma
        public var logLikelihood: Double
        public var customers: Int
        public var iterations: Int
    }

    /// The expected spend per transaction of a customer with no repeat purchase: pγ/(q − 1).
    public var populationMeanSpend: Double? {
        q > 1 ? p * gamma / (q - 1) : nil
    }

    /// E[M | x, mₓ]: a weighted mean of the population mean and the
    /// customer's own average, (p(γ + x mₓ)) / (p x + q − 1); the population
    /// mean for x = 0. `nil` when q ≤ 1 (the mean does not exist).
    public func expectedAverageSpend(x: Int, monetary: Double) -> Double? {
        guard q > 1 else { return nil }
        guard x > 0, monetary > 0 else { return populationMeanSpend }
        let xd = Double(x)
        return p * (gamma + xd * monetary) / (p * xd + q - 1)
    }

    /// Fits the model by maximum likelihood to the customers with x ≥ 1 and
    /// a positive average (others are left out, as the model requires).
    public static func fit(_ histories: RepeatHistories) throws(RapportError) -> Fit {
        let data = Spends(histories)
        guard data.total > 0 else {
            throw RapportError(.insufficientData, "no customer with a repeat purchase of positive value: the Gamma-Gamma model cannot be fitted")
        }
        guard let result = Minimizer.bfgs(start: [0, 0, 0], { data.negativeMeanLogLikelihood($0) }) else {
            throw RapportError(.insufficientData, "the Gamma-Gamma likelihood is not defined at the starting point")
        }
        let v = result.point.map { exp($0) }
        guard result.converged, v.count == 3, v.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw RapportError(.insufficientData, "the Gamma-Gamma fit did not converge (\(result.iterations) iterations)")
        }
        return Fit(model: GammaGamma(p: v[0], q: v[1], gamma: v[2]), logLikelihood: -result.value * data.total,  // trap-ok: count checked
                   customers: Int(data.total), iterations: result.iterations)
    }

    /// The (x, mₓ) pairs, counted once each with a weight.
    struct Spends: Sendable {
        struct Key: Hashable, Sendable {
            var x: Int32
            var m: UInt64
        }
        var x: [Double] = []
        var m: [Double] = []
        var logM: [Double] = []
        var rows = WeightedRows<Key>()
        var weight: [Double] { rows.weight }
        var xIndex: [Int] { rows.xIndex }
        var distinctX: [Double] { rows.distinctX }
        var total: Double { rows.total }

        init(_ h: RepeatHistories) {
            for i in 0..<h.count {
                let xi = h.x[i], mi = h.monetary[i]  // trap-ok: i < count, columns of one length
                guard xi > 0, mi > 0, mi.isFinite, rows.add(Key(x: xi, m: mi.bitPattern), x: Int(xi)) else { continue }
                x.append(Double(xi))
                m.append(mi)
                logM.append(log(mi))
            }
        }

        /// −(1/N) Σ log-likelihood and its gradient in (ln p, ln q, ln γ).
        func negativeMeanLogLikelihood(_ theta: [Double]) -> (value: Double, gradient: [Double])? {
            guard theta.count == 3 else { return nil }
            let p = exp(theta[0]), q = exp(theta[1]), g = exp(theta[2])  // trap-ok: count checked
            guard [p, q, g].allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
            let k = distinctX.count
            var lg = [Double](repeating: 0, count: k), psiSum = lg, psiPx = lg
            let lgq = Special.logGamma(q)
            for j in 0..<k {
                let px = p * distinctX[j]  // trap-ok: j < k
                lg[j] = Special.logGamma(px + q) - Special.logGamma(px) - lgq  // trap-ok: same
                psiSum[j] = Special.digamma(px + q)  // trap-ok: same
                psiPx[j] = Special.digamma(px)  // trap-ok: same
            }
            let tables = XTables(lg: lg, psiSum: psiSum, psiPx: psiPx)
            let sums = Parallel.map(Parallel.ranges(x.count, minimum: 65_536), cost: { $0.count }) { range in
                self.sums(range, p: p, q: q, g: g, tables)
            }
            var ll = 0.0, gp = 0.0, gq = 0.0, gg = 0.0
            for s in sums {
                ll += s[0]  // trap-ok: sums returns four figures
                gp += s[1]  // trap-ok: same
                gq += s[2]  // trap-ok: same
                gg += s[3]  // trap-ok: same
            }
            let n = total
            let value = -ll / n
            guard value.isFinite else { return nil }
            return (value, [-gp * p / n, -gq * q / n, -gg * g / n])
        }

        /// The per-x figures of one evaluation.
        struct XTables: Sendable {
            var lg: [Double], psiSum: [Double], psiPx: [Double]
        }

        /// Σ w·ℓ and Σ w·∂ℓ/∂(p, q, γ) over a range of the pairs.
        func sums(_ range: Range<Int>, p: Double, q: Double, g: Double, _ t: XTables) -> [Double] {
            let psq = Special.digamma(q), logG = log(g)
            let weight = rows.weight, xIndex = rows.xIndex
            var ll = 0.0, gp = 0.0, gq = 0.0, gg = 0.0
            for i in range {
                let j = xIndex[i], w = weight[i], xd = x[i], mi = m[i], lm = logM[i]  // trap-ok: i < count
                let px = p * xd
                let logXM = log(xd * mi + g)
                let logX = log(xd)
                // ℓ = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px − 1) ln m + px ln x − (px + q) ln(x m + γ)
                ll += w * (t.lg[j] + q * logG + (px - 1) * lm + px * logX - (px + q) * logXM)  // trap-ok: j < k
                gp += w * xd * (t.psiSum[j] - t.psiPx[j] + lm + logX - logXM)  // trap-ok: same
                gq += w * (t.psiSum[j] - psq + logG - logXM)  // trap-ok: same
                gg += w * (q / g - (px + q) / (xd * mi + g))
            }
            return [ll, gp, gq, gg]
        }
    }
}
