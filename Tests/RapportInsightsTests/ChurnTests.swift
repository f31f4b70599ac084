import Foundation
import RapportCore
import Testing

@testable import RapportAudience

@testable import RapportInsights

@Suite struct ChurnTests {
    @Test func aucEqualsTheShareOfPairsOrderedRight() {
        var r = SplitMix(seed: 5)
        let scores = (0..<300).map { _ in Double(r.next() % 20) / 20 }  // many ties
        let labels = scores.map { s in r.unit() < 0.3 + 0.5 * s ? 1.0 : 0.0 }
        var right = 0.0, pairs = 0.0
        for (sp, lp) in zip(scores, labels) where lp == 1 {
            for (sn, ln) in zip(scores, labels) where ln == 0 {
                pairs += 1
                right += sp > sn ? 1 : (sp == sn ? 0.5 : 0)
            }
        }
        let auc = Churn.auc(scores, labels)
        #expect(auc != nil && abs((auc ?? 0) - right / pairs) < 1e-12)
        #expect(Churn.auc([0.1, 0.2], [1, 1]) == nil)
    }

    @Test func logisticRegressionRecoversTheModelItWasDrawnFrom() throws {
        var r = SplitMix(seed: 8)
        var rows: [[Double]] = [], labels: [Double] = []
        for _ in 0..<20_000 {
            let x1 = r.unit() * 4 - 2, x2 = r.unit() * 10
            let z = -0.5 + 1.5 * x1 - 0.3 * x2
            rows.append([x1, x2])
            labels.append(r.unit() < 1 / (1 + exp(-z)) ? 1 : 0)
        }
        let m = try LogisticRegression.fit(rows, labels, l2: 0)
        // Back to the raw scale: w_k / scale_k, and the intercept.
        let b1 = m.weights[1] / m.scales[0], b2 = m.weights[2] / m.scales[1]
        let b0 = m.weights[0] - b1 * m.means[0] - b2 * m.means[1]
        #expect(abs(b1 - 1.5) < 0.1 && abs(b2 + 0.3) < 0.03 && abs(b0 + 0.5) < 0.15, "\(b0) \(b1) \(b2)")
        #expect(throws: RapportError.self) { try LogisticRegression.fit([[1], [1, 2]], [0, 1]) }
    }

    /// CDNOW_master: trained as of 1998-01-01 on who bought in the next 90 days, checked as of 1998-04-01.
    @Test func churnOfCDNOWIsPredictedWellOnTheHoldout() throws {
        let purchases = try cdnowPurchases("CDNOW_master.txt")
        let today = Int(Timestamp.daysFromCivil(year: 1998, month: 6, day: 30))
        let activity = { (day: Int) in Churn.activity(customers: purchases.customers, days: purchases.days, asOf: day) }
        let (model, risk) = try Churn.fit(purchases: purchases, activity: activity, today: today, horizonDays: 90)
        #expect(model.trainedOn > 20_000 && model.checkedOn == 23_570)
        #expect(model.holdoutAUC > 0.75, "AUC \(model.holdoutAUC)")
        #expect(model.holdoutChurnRate > 0.5 && model.holdoutChurnRate < 1)
        #expect(risk.count == 23_570 && risk.values.allSatisfy { $0 > 0 && $0 < 1 })
        // Recent frequent buyers are less at risk than one-time buyers of long ago.
        let features = Churn.features(purchases: purchases, activity: activity(today), asOf: today)
        let byId = Dictionary(uniqueKeysWithValues: zip(features.customers, features.rows))
        let recent = risk.filter { (byId[$0.key]?[0] ?? 99) < log1p(30) && (byId[$0.key]?[1] ?? 0) > log1p(5) }.map(\.value)
        let lapsed = risk.filter { (byId[$0.key]?[0] ?? 0) > log1p(400) && (byId[$0.key]?[1] ?? 9) < log1p(1.5) }.map(\.value)
        #expect(!recent.isEmpty && !lapsed.isEmpty)
        let recentMean: Double = recent.reduce(0, +) / Double(recent.count)
        let lapsedMean: Double = lapsed.reduce(0, +) / Double(lapsed.count)
        #expect(recentMean < lapsedMean)
    }
}
