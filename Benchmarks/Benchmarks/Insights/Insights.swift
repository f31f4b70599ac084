import Benchmark
import Foundation
import RapportAudience
import RapportCore
import RapportInsights
import Workload

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(60), maxIterations: 10)
    let end = Int(Timestamp.daysFromCivil(year: 1998, month: 6, day: 30))

    // The target: < 5 s (lifetimes 0.11 takes 0.16 s for the 23,570 customers of one copy).
    Benchmark("CLV: BG/NBD + Gamma-Gamma fit, CDNOW x100 (2,357,000 customers, 6,965,900 orders)", configuration: config) {
        benchmark, purchases in
        for _ in benchmark.scaledIterations {
            let histories = RepeatHistories(purchases, calibrationEndDay: end)
            let (b, g) = try CLV.fit(histories)
            precondition(b.customers == 2_357_000)
            blackHole((b, g))
        }
    } setup: {
        try cdnowReplicated(copies: 100)
    }

    Benchmark("CLV: fit only, 2,357,000 distinct histories (CDNOW x100, no two alike)", configuration: config) {
        benchmark, histories in
        for _ in benchmark.scaledIterations {
            let (b, g) = try CLV.fit(histories)
            precondition(b.customers == 2_357_000)
            blackHole((b, g))
        }
    } setup: {
        distinctHistories(try cdnowReplicated(copies: 100), end: end)
    }
}

/// The histories of CDNOW x100 with every one made distinct (copy k's T and average
/// spend moved by k·10⁻⁷ weeks and cents): what a fit costs when no two customers share
/// a history, as on real data with finer times.
func distinctHistories(_ purchases: RFM.Purchases, end: Int) -> RepeatHistories {
    let h = RepeatHistories(purchases, calibrationEndDay: end)
    var out = RepeatHistories()
    for i in 0..<h.count {
        let copy = Double(h.customers[i] / 100_000)
        out.append(customer: h.customers[i], x: h.x[i], tx: h.tx[i], T: h.T[i] + copy * 1e-7,
                   monetary: h.monetary[i] + copy * 1e-9, holdout: h.holdout[i])
    }
    return out
}
