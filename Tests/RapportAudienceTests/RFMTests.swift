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
