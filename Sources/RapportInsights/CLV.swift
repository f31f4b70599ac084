import RapportCore

/// Customer lifetime value from a fitted BG/NBD (how many purchases, and
/// whether the customer is still alive) and Gamma-Gamma (how much each
/// purchase is worth).
public struct CLV: Sendable, Equatable {
    public var purchases: BGNBD
    public var spend: GammaGamma

    public init(purchases: BGNBD, spend: GammaGamma) {
        self.purchases = purchases
        self.spend = spend
    }

    /// Fits both models to the histories.
    public static func fit(_ histories: RepeatHistories) throws(RapportError) -> (BGNBD.Fit, GammaGamma.Fit) {
        (try BGNBD.fit(histories), try GammaGamma.fit(histories))
    }

    /// One customer's figures.
    public struct Value: Sendable, Equatable {
        public var probabilityAlive: Double
        /// Expected purchases over the horizon.
        public var expectedPurchases: Double
        /// Expected amount per purchase.
        public var expectedSpend: Double
        /// The discounted value of the horizon's expected purchases.
        public var clv: Double
    }

    /// A customer's figures over `horizonMonths` months, with the expected
    /// purchases of each month discounted at `discountMonthly` a month:
    /// Σᵢ E[M] (E[Y(i k)] − E[Y((i − 1) k)]) / (1 + d)ⁱ, where k is
    /// `unitsPerMonth`, the model's units of time in a month (weeks:
    /// 365.25 / 12 / 7). `nil` if a figure cannot be computed.
    public func value(x: Int, tx: Double, T: Double, monetary: Double, horizonMonths: Int,
                      discountMonthly: Double, unitsPerMonth: Double = 365.25 / 12 / 7) -> Value? {
        guard horizonMonths >= 0, discountMonthly > -1, unitsPerMonth > 0,
              let spend = spend.expectedAverageSpend(x: x, monetary: monetary)
        else { return nil }
        var previous = 0.0, clv = 0.0
        var discount = 1.0
        for i in stride(from: 1, through: horizonMonths, by: 1) {
            guard let cumulative = purchases.expectedPurchases(in: Double(i) * unitsPerMonth, x: x, tx: tx, T: T) else {
                return nil
            }
            discount *= 1 + discountMonthly
            clv += spend * (cumulative - previous) / discount
            previous = cumulative
        }
        return Value(probabilityAlive: purchases.probabilityAlive(x: x, tx: tx, T: T), expectedPurchases: previous,
                     expectedSpend: spend, clv: clv)
    }
}
