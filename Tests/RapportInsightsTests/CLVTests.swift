import Foundation
import RapportAudience
import RapportCore
import RapportIngest
import Testing

@testable import RapportInsights

/// A fixture's text.
func fixtureText(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return try String(contentsOf: url, encoding: .utf8)
}

/// The purchases of a CDNOW file of the fixtures.
func cdnowPurchases(_ name: String) throws -> RFM.Purchases {
    var purchases = RFM.Purchases()
    // By bytes: the files end their lines with CR LF, one Character in a String.
    for (n, line) in Array(try fixtureText(name).utf8).split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
        if let p = try PurchaseLine.cdnow(line, mayBeHeader: n == 0) {
            purchases.append(customer: p.customer, day: p.day, cents: p.cents)
        }
    }
    return purchases
}

/// lifetimes' figures for CDNOW_sample (make-clv-reference.py): its parameters and one row per customer.
struct LifetimesReference {
    var bgnbd = BGNBD(r: 0, alpha: 0, a: 0, b: 0)
    var gammaGamma = GammaGamma(p: 0, q: 0, gamma: 0)
    var rows: [Int64: [Double]] = [:]

    init() throws {
        func parameters(_ line: Substring) -> [String: Double] {
            var out: [String: Double] = [:]
            for field in line.split(separator: " ") {
                let kv = field.split(separator: "=")
                if kv.count == 2, let v = Double(String(kv[1])) { out[String(kv[0])] = v }
            }
            return out
        }
        for line in try fixtureText("cdnow-sample-clv-lifetimes.csv").split(separator: "\n") {
            if line.hasPrefix("# bgnbd") {
                let p = parameters(line)
                bgnbd = BGNBD(r: try #require(p["r"]), alpha: try #require(p["alpha"]), a: try #require(p["a"]),
                              b: try #require(p["b"]))
            } else if line.hasPrefix("# gg") {
                let p = parameters(line)
                gammaGamma = GammaGamma(p: try #require(p["p"]), q: try #require(p["q"]), gamma: try #require(p["v"]))
            } else if !line.hasPrefix("#"), !line.hasPrefix("customer") {
                let f = line.split(separator: ",")
                rows[try #require(Int64(String(f[0])))] = f.dropFirst().compactMap { Double(String($0)) }
            }
        }
    }
}

@Suite struct CLVTests {
    static let calibrationEnd = Int(Timestamp.daysFromCivil(year: 1997, month: 9, day: 30))

    func sampleHistories() throws -> RepeatHistories {
        RepeatHistories(try cdnowPurchases("CDNOW_sample.txt"), calibrationEndDay: Self.calibrationEnd)
    }

    @Test func historiesMatchLifetimesSummary() throws {
        let h = try sampleHistories()
        let reference = try LifetimesReference()
        #expect(h.count == 2_357)
        #expect(reference.rows.count == 2_357)
        #expect(h.x.filter { $0 > 0 }.count == 946)
        for i in 0..<h.count {
            let row = try #require(reference.rows[h.customers[i]])
            #expect(Double(h.x[i]) == row[0])
            #expect(abs(h.tx[i] - row[1]) < 1e-9)
            #expect(abs(h.T[i] - row[2]) < 1e-9)
            #expect(abs(h.monetary[i] - row[3]) < 1e-9)
        }
        // Customer 4 (the paper's first): purchases on 1997-01-01, -01-18 and -08-02 in calibration.
        let four = try #require(h.customers.firstIndex(of: 4))
        #expect(h.x[four] == 2)
        #expect(h.T[four] == 272.0 / 7)
    }

    /// Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    @Test func bgnbdReproducesThePublishedEstimates() throws {
        let fit = try BGNBD.fit(try sampleHistories())
        let m = fit.model
        #expect((m.r * 1000).rounded() == 243)
        #expect((m.alpha * 1000).rounded() == 4414)
        #expect((m.a * 1000).rounded() == 793)
        #expect((m.b * 1000).rounded() == 2426)
        #expect((fit.logLikelihood * 10).rounded() == -95824)
        #expect(fit.customers == 2_357)
        // The log-likelihood is the sum of the per-customer ones.
        let h = try sampleHistories()
        let sum = (0..<h.count).reduce(0.0) { $0 + m.logLikelihood(x: Int(h.x[$1]), tx: h.tx[$1], T: h.T[$1]) }
        #expect(abs(sum - fit.logLikelihood) < 1e-6)
        // At lifetimes' optimum the log-likelihood is no higher than at ours.
        let reference = try LifetimesReference()
        let theirs = (0..<h.count).reduce(0.0) {
            $0 + reference.bgnbd.logLikelihood(x: Int(h.x[$1]), tx: h.tx[$1], T: h.T[$1])
        }
        #expect(theirs <= fit.logLikelihood + 1e-7)
    }

    /// Fader, Hardie & Lee (2005, iso-value curves): p = 6.25, q = 3.74, γ = 15.44.
    @Test func gammaGammaReproducesThePublishedEstimates() throws {
        let fit = try GammaGamma.fit(try sampleHistories())
        #expect(fit.customers == 946)
        #expect((fit.model.p * 100).rounded() == 625)
        #expect((fit.model.q * 100).rounded() == 374)
        #expect((fit.model.gamma * 100).rounded() == 1544)
    }

    /// The paper's worked example: x = 2, tₓ = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
    @Test func conditionalExpectationOfThePaper() throws {
        let m = BGNBD(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        let e = try #require(m.expectedPurchases(in: 39, x: 2, tx: 30.43, T: 38.86))
        #expect((e * 1000).rounded() == 1226)
    }

    @Test func perCustomerFiguresMatchLifetimes() throws {
        let h = try sampleHistories()
        let reference = try LifetimesReference()
        let clv = CLV(purchases: reference.bgnbd, spend: reference.gammaGamma)
        var worst = 0.0
        for i in 0..<h.count {
            let row = try #require(reference.rows[h.customers[i]])
            let x = Int(h.x[i])
            let alive = clv.purchases.probabilityAlive(x: x, tx: h.tx[i], T: h.T[i])
            let expected = try #require(clv.purchases.expectedPurchases(in: 52, x: x, tx: h.tx[i], T: h.T[i]))
            // lifetimes' CLV counts 4.345 weeks to a month.
            let value = try #require(clv.value(x: x, tx: h.tx[i], T: h.T[i], monetary: h.monetary[i], horizonMonths: 12,
                                               discountMonthly: 0.01, unitsPerMonth: 4.345))
            for (got, want) in [(alive, row[4]), (expected, row[5]), (value.expectedSpend, row[6]), (value.clv, row[7])] {
                worst = max(worst, abs(got - want) / max(abs(want), 1e-12))
            }
        }
        #expect(worst < 1e-8)
    }

    /// a = 1 makes the paper's expression 0/0; the figures are continuous through it.
    @Test func expectationIsContinuousThroughAEqualsOne() throws {
        for (x, tx, T) in [(0, 0.0, 30.0), (3, 20.0, 38.0), (40, 70.0, 78.0)] {
            var values: [Double] = []
            for a in [1 - 1e-6, 1 - 1e-12, 1.0, 1 + 1e-12, 1 + 1e-6] {
                let m = BGNBD(r: 0.5, alpha: 5, a: a, b: 2.5)
                values.append(try #require(m.expectedPurchases(in: 52, x: x, tx: tx, T: T)))
            }
            let spread = (values.max() ?? 0) - (values.min() ?? 0)
            #expect(spread < 1e-5 * (values.first ?? 1))
            #expect(values.allSatisfy { $0 > 0 && $0.isFinite })
        }
    }

    /// The Euler-transformed series agrees with the paper's form computed directly where both are well-behaved,
    /// and stays finite for a heavy buyer over a long horizon.
    @Test func expectationMatchesThePaperForm() throws {
        let m = BGNBD(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        for (x, tx, T, t) in [(0, 0.0, 38.86, 39.0), (1, 2.0, 38.86, 39.0), (5, 30.0, 38.0, 10.0), (2, 30.43, 38.86, 52.0)] {
            let xd = Double(x)
            let z = t / (m.alpha + T + t)
            let f = try #require(Special.hypergeometric2F1(m.r + xd, m.b + xd, m.a + m.b + xd - 1, z))
            var top = (m.a + m.b + xd - 1) / (m.a - 1) * (1 - pow((m.alpha + T) / (m.alpha + T + t), m.r + xd) * f)
            if x > 0 { top /= 1 + m.a / (m.b + xd - 1) * pow((m.alpha + T) / (m.alpha + tx), m.r + xd) }
            let got = try #require(m.expectedPurchases(in: t, x: x, tx: tx, T: T))
            #expect(abs(got - top) < 1e-9 * top)
        }
        let heavy = try #require(m.expectedPurchases(in: 5_000, x: 300, tx: 77, T: 78))
        #expect(heavy.isFinite && heavy > 100)
        #expect(m.expectedPurchases(in: -1, x: 1, tx: 1, T: 2) == nil)
        #expect(m.expectedPurchases(in: 0, x: 1, tx: 1, T: 2) == 0)
    }

    @Test func gradientsAreTheLikelihoodsSlopes() throws {
        let h = try sampleHistories()
        let data = BGNBD.Histories(h)
        let spends = GammaGamma.Spends(h)
        for (point, f) in [([-1.2, 1.1, -0.3, 0.7], data.negativeMeanLogLikelihood),
                           ([1.5, 1.0, 2.5], spends.negativeMeanLogLikelihood)] as [([Double], ([Double]) -> (value: Double, gradient: [Double])?)] {
            let at = try #require(f(point))
            for k in point.indices {
                var up = point, down = point
                up[k] += 1e-6
                down[k] -= 1e-6
                let numeric = (try #require(f(up)).value - (try #require(f(down)).value)) / 2e-6
                #expect(abs(numeric - at.gradient[k]) < 1e-6 * max(1, abs(numeric)))
            }
        }
    }

    @Test func modelsThatCannotBeFittedSaySo() throws {
        var none = RepeatHistories()
        #expect(throws: RapportError.self) { try BGNBD.fit(none) }
        none.append(customer: 1, x: 0, tx: 0, T: 10, monetary: 0)
        none.append(customer: 2, x: 0, tx: 0, T: 20, monetary: 0)
        do {
            _ = try BGNBD.fit(none)
            Issue.record("fitted without a repeat purchase")
        } catch {
            #expect(error.code == .insufficientData)
        }
        do {
            _ = try GammaGamma.fit(none)
            Issue.record("fitted without a repeat purchase")
        } catch {
            #expect(error.code == .insufficientData)
        }
        // A negative or inverted history is left out, not fitted.
        var bad = try sampleHistories()
        bad.append(customer: -1, x: 3, tx: 50, T: 10, monetary: 20)
        bad.append(customer: -2, x: -4, tx: 1, T: 10, monetary: 20)
        let fit = try BGNBD.fit(bad)
        #expect(fit.customers == 2_357)
    }
}

@Suite struct SpecialFunctionTests {
    @Test func logGammaAndDigamma() {
        for (x, want) in [(0.5, 0.5723649429247001), (1.0, 0.0), (10.0, 12.801827480081469), (1e-3, 6.907178885383853),
                          (0.243, 1.3180435846996699), (123.4, 469.3360974421906)] {
            #expect(abs(Special.logGamma(x) - want) < 1e-12 * max(1, abs(want)))
        }
        for (x, want) in [(1.0, -0.5772156649015329), (0.5, -1.9635100260214235), (10.0, 2.251752589066721),
                          (1e-3, -1000.5755719318103), (3.7, 1.1671535393615113)] {
            #expect(abs(Special.digamma(x) - want) < 1e-12 * max(1, abs(want)))
        }
        #expect(Special.logGamma(-1).isNaN)
        #expect(Special.digamma(0).isNaN)
    }

    @Test func hypergeometricAgainstClosedForms() throws {
        for z in [0.0, 0.1, 0.5, 0.9, 0.999] {
            // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z
            let log1 = try #require(Special.hypergeometric2F1(1, 1, 2, z))
            #expect(abs(log1 - (z == 0 ? 1 : -log(1 - z) / z)) < 1e-10 * log1)
            // ₂F₁(a, b; b; z) = (1 − z)^−a, c − a − b < 0: the Euler branch
            let power = try #require(Special.hypergeometric2F1(5, 2, 2, z))
            #expect(abs(power - pow(1 - z, -5)) < 1e-10 * power)
        }
        #expect(Special.hypergeometric2F1(1, 1, 2, 1) == nil)
        #expect(Special.hypergeometric2F1(1, 1, 0, 0.5) == nil)
        #expect(Special.hypergeometric2F1(1, 1, 2, -0.1) == nil)
    }
}
