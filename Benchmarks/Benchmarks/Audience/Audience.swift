import Benchmark
import Foundation
import RapportAudience
import RapportCore
import RapportIngest

/// CDNOW_master replicated `copies` times, copy `c`'s ids shifted by
/// `c × 100,000` (the master's ids run to 23,570): 2,357,000 customers and
/// 6,965,900 orders for 100 copies. `Benchmarks/rfm/duckdb_rfm.py` builds
/// the same table.
func cdnowReplicated(copies: Int, master: URL) throws -> RFM.Purchases {
    let bytes = [UInt8](try Data(contentsOf: master))
    var one = RFM.Purchases()
    for (n, line) in bytes.split(separator: 0x0A).enumerated() {
        if let p = try PurchaseLine.cdnow(line, mayBeHeader: n == 0) { one.append(customer: p.customer, day: p.day, cents: p.cents) }
    }
    var all = RFM.Purchases()
    all.reserveCapacity(one.count * copies)
    for copy in 0..<copies {
        for i in 0..<one.count {
            all.append(customer: one.customers[i] + Int64(copy) * 100_000, day: Int(one.days[i]), cents: one.cents[i])
        }
    }
    return all
}

let benchmarks: @Sendable () -> Void = {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Tests/RapportEngineTests/Fixtures").standardized
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], timeUnits: .milliseconds,
        maxDuration: .seconds(60), maxIterations: 10)
    let asOf = Int(Timestamp.daysFromCivil(year: 1998, month: 7, day: 1))

    Benchmark("RFM: CDNOW x100 (2,357,000 customers, 6,965,900 orders) as of 1998-07-01", configuration: config) {
        benchmark, purchases in
        for _ in benchmark.scaledIterations {
            let table = RFM.compute(purchases, asOfDay: asOf)
            precondition(table.count == 2_357_000)
            blackHole(table)
        }
    } setup: {
        try cdnowReplicated(copies: 100, master: fixtures.appendingPathComponent("CDNOW_master.txt"))
    }
}
