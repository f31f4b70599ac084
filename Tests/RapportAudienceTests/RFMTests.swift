import Foundation
import RapportCore
import Testing

@testable import RapportAudience

func fixtureText(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return try String(contentsOf: url, encoding: .utf8)
}

/// The reference figures in `Fixtures/` were computed with pandas 3.1 and
/// numpy 2.4 (`qcut(x.rank(method="first"), 5)`, rows sorted by id; for
/// recency `rank(ascending=False)`); the script that made them is in
/// `Fixtures/README.md` (`make-reference.py`).
@Suite struct RFMTests {
    @Test func quintileScoresAreThoseOfPandasQcutOverRanks() throws {
        var checked = 0
        for line in try fixtureText("qcut5-sizes.txt").split(separator: "\n") where !line.hasPrefix("#") {
            let numbers = line.split(separator: " ").compactMap { Int($0) }
            try #require(numbers.count == 6)
            let n = numbers[0]
            var sizes = [Int](repeating: 0, count: 5)
            var previous = 1
            for rank in 1...n {
                let s = QuantileScore.score(rank: rank, of: n)
                #expect(s >= previous, "scores never fall as the rank rises")
                previous = s
                sizes[s - 1] += 1
            }
            #expect(sizes == Array(numbers[1...]), "n = \(n)")
            checked += 1
        }
        #expect(checked > 400)
    }

    @Test func oddCountsAndRanksNeverTrap() {
        #expect(QuantileScore.score(rank: 1, of: 1) == 1)
        #expect(QuantileScore.score(rank: 0, of: 0) == 1)
        #expect(QuantileScore.score(rank: -5, of: 10) == 1)
        #expect(QuantileScore.score(rank: 99, of: 10) == 5)
        #expect(QuantileScore.score(rank: Int.max, of: Int.max) == 5)
        #expect(QuantileScore.score(rank: 3, of: 10, bins: 0) == 1)
        #expect(QuantileScore.scores([Int]()) == [])
    }

    @Test func tiesGoToTheEarlierItemFirst() {
        // Five equal values: ranked in the order given, one per quintile.
        #expect(QuantileScore.scores([7, 7, 7, 7, 7]) == [1, 2, 3, 4, 5])
        #expect(QuantileScore.scores([7, 7, 7, 7, 7], highestFirst: true) == [1, 2, 3, 4, 5])
        // Descending: the highest value ranks first and scores lowest.
        #expect(QuantileScore.scores([50, 10, 40, 20, 30], highestFirst: true) == [1, 5, 2, 4, 3])
        #expect(QuantileScore.scores([50, 10, 40, 20, 30]) == [5, 1, 4, 2, 3])
    }

    @Test func cdnowSampleMatchesPandas() throws {
        var purchases: [RFM.Purchase<String>] = []
        for line in try fixtureText("CDNOW_sample.txt").split(whereSeparator: \.isNewline) {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            try #require(f.count == 5)
            try #require(f[2].utf8.count == 8)
            let y = Int64(String(f[2].prefix(4))), mo = Int(String(f[2].dropFirst(4).prefix(2))),
                d = Int(String(f[2].suffix(2)))
            let dollars = try #require(Decimal(string: String(f[4])))
            let cents = NSDecimalNumber(decimal: dollars * 100).int64Value
            purchases.append(RFM.Purchase(
                customer: String(f[0]), day: Int(Timestamp.daysFromCivil(year: try #require(y), month: try #require(mo),
                                                                           day: try #require(d))),
                amountCents: cents))
        }
        let asOf = Int(Timestamp.daysFromCivil(year: 1998, month: 7, day: 1))
        let rows = RFM.compute(purchases, asOfDay: asOf)
        var expected: [String] = []
        for line in try fixtureText("cdnow-sample-rfm-1998-07-01.csv").split(separator: "\n").dropFirst() {
            expected.append(String(line))
        }
        let got = rows.map { r in
            let cents = String(format: "%d.%02d", r.monetaryCents / 100, r.monetaryCents % 100)
            return "\(r.customer),\(r.recencyDays),\(r.frequency),\(cents),\(r.r),\(r.f),\(r.m)"
        }
        #expect(got.count == 2_357)
        #expect(got == expected)
        // Each row's group is its scores' group.
        #expect(rows.allSatisfy { $0.group == RFM.Group(r: $0.r, f: $0.f) })
    }

    @Test func purchasesAfterTheAsOfDayAreLeftOut() {
        let p: [RFM.Purchase<Int>] = [
            .init(customer: 1, day: 10, amountCents: 500), .init(customer: 1, day: 30, amountCents: 900),
            .init(customer: 2, day: 5, amountCents: 100), .init(customer: 3, day: 25, amountCents: 100),
        ]
        let rows = RFM.compute(p, asOfDay: 20)
        #expect(rows.map(\.customer) == [1, 2], "customer 3 had bought nothing by day 20")
        #expect(rows.first?.recencyDays == 10 && rows.first?.frequency == 1 && rows.first?.monetaryCents == 500)
    }

    @Test func amountsThatWouldOverflowSaturate() {
        let p: [RFM.Purchase<Int>] = [
            .init(customer: 1, day: 1, amountCents: .max), .init(customer: 1, day: 2, amountCents: .max),
            .init(customer: 2, day: 1, amountCents: .min), .init(customer: 2, day: 2, amountCents: -1),
        ]
        let rows = RFM.compute(p, asOfDay: 3)
        #expect(rows.map(\.monetaryCents) == [.max, .min])
    }

    @Test func everyScorePairHasExactlyTheTablesGroup() {
        let table: [[RFM.Group]] = [  // rows R = 5…1, columns F = 1…5
            [.new, .potentialLoyalist, .potentialLoyalist, .champions, .champions],
            [.promising, .potentialLoyalist, .potentialLoyalist, .loyal, .loyal],
            [.aboutToSleep, .aboutToSleep, .needAttention, .loyal, .loyal],
            [.hibernating, .hibernating, .atRisk, .atRisk, .cannotLoseThem],
            [.lost, .hibernating, .atRisk, .atRisk, .cannotLoseThem],
        ]
        for (i, row) in table.enumerated() {
            for (j, group) in row.enumerated() {
                #expect(RFM.Group(r: 5 - i, f: j + 1) == group)
            }
        }
        #expect(RFM.Group(r: 9, f: -3) == .new, "out-of-range scores are clamped")
    }
}

/// The columnar RFM against a direct computation (dictionaries, comparison
/// sorts, ``QuantileScore/scores(_:bins:highestFirst:)``) on random data.
@Suite struct RFMColumnsTests {
    /// What the table should hold, computed the plain way.
    func reference(_ p: RFM.Purchases, asOfDay: Int) -> RFM.Table {
        var last: [Int64: Int32] = [:], days: [Int64: Set<Int32>] = [:], total: [Int64: Int64] = [:]
        for i in 0..<p.count where Int(p.days[i]) <= asOfDay {
            let c = p.customers[i]
            last[c] = max(last[c] ?? .min, p.days[i])
            days[c, default: []].insert(p.days[i])
            total[c] = RFM.saturatingAdd(total[c] ?? 0, p.cents[i])
        }
        var t = RFM.Table()
        t.customers = last.keys.sorted()
        t.recencyDays = t.customers.map { Int32(clamping: Int64(asOfDay) - Int64(last[$0] ?? 0)) }
        t.frequency = t.customers.map { Int32(days[$0]?.count ?? 0) }
        t.monetaryCents = t.customers.map { total[$0] ?? 0 }
        t.r = QuantileScore.scores(t.recencyDays, highestFirst: true).map { UInt8($0) }
        t.f = QuantileScore.scores(t.frequency).map { UInt8($0) }
        t.m = QuantileScore.scores(t.monetaryCents).map { UInt8($0) }
        return t
    }

    @Test(arguments: [
        (1, 10, 0...50), (7, 2_000, 1_000...1_600), (11, 5_000, -3...3),
        (13, 3_000, (Int64.min / 2)...(Int64.max / 2)), (17, 1, 0...0),
    ] as [(UInt64, Int, ClosedRange<Int64>)])
    func equalsTheDirectComputation(seed: UInt64, purchases: Int, ids: ClosedRange<Int64>) {
        var g = SplitMix(seed: seed)
        var p = RFM.Purchases()
        for _ in 0..<purchases {
            let amount: Int64 = seed == 13 ? Int64.random(in: .min / 4 ... .max / 4, using: &g)
                : Int64.random(in: -500...90_000, using: &g)
            p.append(customer: Int64.random(in: ids, using: &g), day: Int.random(in: 10_000...10_400, using: &g),
                     cents: amount)
        }
        let t = RFM.compute(p, asOfDay: 10_300)
        #expect(t == reference(p, asOfDay: 10_300))
        #expect(t.count > 0)
    }

    @Test func nothingOnOrBeforeTheDayGivesAnEmptyTable() {
        var p = RFM.Purchases()
        p.append(customer: 1, day: 50, cents: 10)
        #expect(RFM.compute(p, asOfDay: 49).count == 0)
        #expect(RFM.compute(RFM.Purchases(), asOfDay: 49).count == 0)
    }

    @Test func radixSortSortsAnyKeys() {
        var g = SplitMix(seed: 99)
        for (n, bits) in [(10, 64), (300, 64), (5_000, 12), (70_000, 40), (70_000, 64)] {
            var keys = (0..<n).map { _ in g.next() >> UInt64(64 - bits) }
            let expected = keys.sorted()
            RadixSort.sort(&keys)
            #expect(keys == expected, "n = \(n), bits = \(bits)")
        }
    }
}
