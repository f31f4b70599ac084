import RapportAudience
import RapportCore

/// A profile's lifetime value figures, from the workspace's BG/NBD and
/// Gamma-Gamma fits over its purchases.
public struct ProfileCLV: Sendable, Equatable {
    /// The probability the customer is still a customer.
    public var probabilityAlive: Double
    /// Purchases expected over the horizon.
    public var expectedPurchases: Double
    /// Amount expected per purchase.
    public var expectedSpend: Double
    /// Discounted value over the horizon.
    public var value: Double

    /// As conditions read it (`clv.p_alive < 0.3`, `clv.value > 500`).
    public var json: JSONValue {
        .object([
            "value": .number((value * 100).rounded() / 100), "p_alive": .number((probabilityAlive * 10_000).rounded() / 10_000),
            "expected_purchases": .number((expectedPurchases * 1_000).rounded() / 1_000),
            "expected_spend": .number((expectedSpend * 100).rounded() / 100),
        ])
    }

    /// Every customer's figures from their purchases (customers = profile ids, amounts in cents) as of the UTC
    /// day `today`: both models fitted in weeks over the whole history, then each customer over `horizonMonths`
    /// at `discountMonthly`. Throws when the models cannot be fitted (too few repeat purchases).
    public static func compute(_ purchases: RFM.Purchases, today: Int, horizonMonths: Int = 12,
                               discountMonthly: Double = 0.01) throws(RapportError) -> (fit: CLV, scores: [ProfileID: ProfileCLV]) {
        let histories = RepeatHistories(purchases, calibrationEndDay: today)
        let (b, g) = try CLV.fit(histories)
        let model = CLV(purchases: b.model, spend: g.model)
        var out: [ProfileID: ProfileCLV] = [:]
        out.reserveCapacity(histories.count)
        for i in 0..<histories.count {
            guard let v = model.value(x: Int(histories.x[i]), tx: histories.tx[i], T: histories.T[i],  // trap-ok: i < count
                                      monetary: histories.monetary[i], horizonMonths: horizonMonths,  // trap-ok: same
                                      discountMonthly: discountMonthly) else { continue }
            out[ProfileID(histories.customers[i])] = ProfileCLV(  // trap-ok: same
                probabilityAlive: v.probabilityAlive, expectedPurchases: v.expectedPurchases, expectedSpend: v.expectedSpend,
                value: v.clv)
        }
        return (model, out)
    }
}
