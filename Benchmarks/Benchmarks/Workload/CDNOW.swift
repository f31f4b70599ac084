import Foundation
import RapportAudience
import RapportIngest

/// The CDNOW fixtures' folder.
public let cdnowFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../Tests/RapportEngineTests/Fixtures").standardized

/// CDNOW_master replicated `copies` times, copy `c`'s ids shifted by
/// `c × 100,000` (the master's ids run to 23,570): 2,357,000 customers and
/// 6,965,900 orders for 100 copies. `Benchmarks/rfm/duckdb_rfm.py` builds
/// the same table.
public func cdnowReplicated(copies: Int, master: URL = cdnowFixtures.appendingPathComponent("CDNOW_master.txt")) throws
    -> RFM.Purchases
{
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
