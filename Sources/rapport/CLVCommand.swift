import ArgumentParser
import Foundation
import RapportAudience
import RapportCore
import RapportInsights

/// `rapport clv`: BG/NBD and Gamma-Gamma fitted to a transactions file, and each customer's lifetime value.
struct CLVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Customer lifetime value of a transactions file (BG/NBD and Gamma-Gamma), as CSV.",
        discussion: """
            Reads the file as `rapport rfm` does. Purchases on one day are one purchase. Each customer whose \
            first purchase is on or before --calibration-end has a history in units of --days-per-unit days \
            (weeks by default): x repeat purchases up to the calibration end, t_x from the first to the last \
            of them, T from the first to the calibration end, and the average amount of the repeat purchases. \
            BG/NBD (Fader, Hardie & Lee 2005) is fitted to every history and Gamma-Gamma to those with a repeat \
            purchase, by maximum likelihood; the parameters go to standard error. Standard output gets one CSV \
            line per customer: the history, the purchases after the calibration end (holdout), P(alive), the \
            expected purchases over the --horizon-months months after it, the expected amount per purchase \
            and the CLV: each month's expected purchases times that amount, discounted by --discount-monthly \
            a month.
            """)

    @Option(help: "The transactions file.") var transactions: String
    @Option(help: "cdnow or csv.") var format = "csv"
    @Option(help: "For csv: column mapping customer=Header,date=Header,amount=Header.") var map: String?
    @Option(help: "The last day of the calibration period (YYYY-MM-DD). Default: today (UTC).")
    var calibrationEnd: String?
    @Option(help: "The horizon of the forecast and the CLV, in months.") var horizonMonths = 12
    @Option(help: "The discount rate per month (0.01 for 1%).") var discountMonthly = 0.01
    @Option(help: "Days in a unit of time of the models (7: weeks).") var daysPerUnit = 7.0
    @Option(help: "Write the CSV here instead of standard output.") var out: String?

    func validate() throws {
        guard (0...1_200).contains(horizonMonths) else { throw ValidationError("--horizon-months must be 0 to 1200") }
        guard discountMonthly > -1, discountMonthly.isFinite else {
            throw ValidationError("--discount-monthly must be a rate above -1 (0.01 for 1%)")
        }
        guard daysPerUnit > 0, daysPerUnit.isFinite else { throw ValidationError("--days-per-unit must be positive") }
    }

    func run() async throws {
        let end = try TransactionsFile.dayOption(calibrationEnd, name: "calibration-end")
        var rejected = Rejections()
        let file = try await TransactionsFile.read(transactions, format: format, map: map, rejected: &rejected)
        rejected.report(file: transactions)
        let histories = RepeatHistories(file.purchases, calibrationEndDay: end, daysPerUnit: daysPerUnit)
        guard histories.count > 0 else {
            throw ValidationError("\(transactions) has no purchase on or before the calibration end")
        }
        let purchases: BGNBD.Fit, spend: GammaGamma.Fit
        do {
            (purchases, spend) = try CLV.fit(histories)
        } catch {
            throw ValidationError(error.message)
        }
        let b = purchases.model, g = spend.model
        let report = """
            BG/NBD, \(purchases.customers) customers (\(purchases.iterations) iterations): r=\(fixed(b.r, 4)) \
            alpha=\(fixed(b.alpha, 4)) a=\(fixed(b.a, 4)) b=\(fixed(b.b, 4)) log-likelihood=\(fixed(purchases.logLikelihood, 2))
            Gamma-Gamma, \(spend.customers) customers with repeat purchases (\(spend.iterations) iterations): \
            p=\(fixed(g.p, 4)) q=\(fixed(g.q, 4)) gamma=\(fixed(g.gamma, 4)) log-likelihood=\(fixed(spend.logLikelihood, 2))

            """
        FileHandle.standardError.write(Data(report.utf8))
        let clv = CLV(purchases: b, spend: g)
        let unitsPerMonth = 365.25 / 12 / daysPerUnit
        var text = try OutputText(path: out)
        text.write("customer,x,t_x,T,monetary,holdout_purchases,p_alive,expected_purchases,expected_spend,clv\n")
        var failed = 0
        for i in 0..<histories.count {
            let x = Int(histories.x[i]), tx = histories.tx[i], T = histories.T[i], m = histories.monetary[i]  // trap-ok: i < count
            text.write("\(RFMCommand.csvField(file.name(histories.customers[i]))),\(x),\(fixed(tx, 4)),\(fixed(T, 4)),")  // trap-ok: same
            text.write("\(fixed(m, 4)),\(histories.holdout[i]),")  // trap-ok: same
            if let v = clv.value(x: x, tx: tx, T: T, monetary: m, horizonMonths: horizonMonths,
                                 discountMonthly: discountMonthly, unitsPerMonth: unitsPerMonth) {
                text.write("\(fixed(v.probabilityAlive, 6)),\(fixed(v.expectedPurchases, 6)),\(fixed(v.expectedSpend, 4)),\(fixed(v.clv, 2))\n")
            } else {
                failed += 1
                text.write(",,,\n")
            }
        }
        try text.close()
        if failed > 0 {
            FileHandle.standardError.write(Data("\(failed) customer(s) left without figures: the series did not settle\n".utf8))
        }
    }

    /// `value` with `digits` decimals.
    func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
