import Foundation
import GRDB
import RapportCore
import Testing

@testable import RapportAudience

@testable import RapportInsights

@Suite struct RetentionTests {
    /// CDNOW_master's purchases as events: customer numbers are the ids (dense from 1), times at midnight UTC.
    func masterEvents() throws -> (Retention.Events, Int, RFM.Purchases) {
        let purchases = try cdnowPurchases("CDNOW_master.txt")
        var events = Retention.Events()
        var top = 0
        for i in 0..<purchases.count {
            let id = Int(purchases.customers[i])
            top = max(top, id)
            events.append(customer: UInt32(id), time: Int64(purchases.days[i]) * Timestamp.millisPerDay)
        }
        return (events, top + 1, purchases)
    }

    /// The plain SQL of the issue over the same purchases in SQLite: first-purchase month × months since,
    /// distinct active customers (bounded), or distinct customers active then or later (unbounded).
    func sqlCounts(_ purchases: RFM.Purchases, unbounded: Bool) throws -> [String: Int] {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE purchases(customer INTEGER, day TEXT)")
            let insert = try db.makeStatement(sql: "INSERT INTO purchases VALUES (?, ?)")
            for i in 0..<purchases.count {
                let c = Timestamp.civilFromDays(Int64(purchases.days[i]))
                let day = String(format: "%04d-%02d-%02d", Int(c.year), c.month, c.day)
                try insert.execute(arguments: [purchases.customers[i], day])
            }
        }
        let bounded = """
            WITH p AS (SELECT customer, CAST(strftime('%Y', day) AS INTEGER) * 12 + CAST(strftime('%m', day) AS INTEGER) - 1 AS month
                       FROM purchases),
                 f AS (SELECT customer, MIN(month) AS cohort FROM p GROUP BY customer)
            SELECT f.cohort AS cohort, p.month - f.cohort AS k, COUNT(DISTINCT p.customer) AS n
            FROM p JOIN f USING (customer) GROUP BY 1, 2
            """
        let later = """
            WITH p AS (SELECT customer, CAST(strftime('%Y', day) AS INTEGER) * 12 + CAST(strftime('%m', day) AS INTEGER) - 1 AS month
                       FROM purchases),
                 f AS (SELECT customer, MIN(month) AS cohort, MAX(month) AS last FROM p GROUP BY customer),
                 ks AS (SELECT DISTINCT month - (SELECT MIN(month) FROM p) AS k FROM p)
            SELECT f.cohort AS cohort, ks.k AS k, COUNT(*) AS n FROM f JOIN ks ON f.last - f.cohort >= ks.k GROUP BY 1, 2
            """
        return try db.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: unbounded ? later : bounded) {
                let cohort: Int64 = row["cohort"], k: Int = row["k"], n: Int = row["n"]
                out["\(cohort)/\(k)"] = n
            }
            return out
        }
    }

    /// Our matrix as the same cells (non-zero, observed).
    func cells(_ m: Retention.Matrix) -> [String: Int] {
        var out: [String: Int] = [:]
        for (c, start) in m.cohortStarts.enumerated() {
            let month = CalendarPeriod.month.index(ofDay: start)
            for (k, n) in m.counts[c].enumerated() {
                if let n, n > 0 { out["\(month)/\(k)"] = n }
            }
        }
        return out
    }

    @Test func monthlyCohortsOfCDNOWMasterEqualTheSQL() throws {
        let (events, count, purchases) = try masterEvents()
        for mode in Retention.Mode.allCases {
            let m = try Retention.matrix(cohort: events, returns: events, customerCount: count, period: .month, periods: 17,
                                         mode: mode)
            let expected = try sqlCounts(purchases, unbounded: mode == .unbounded)
            #expect(cells(m) == expected, "\(mode)")
            // 1997-01, -02 and -03 cohorts; every customer in one; period 0 is the whole cohort.
            #expect(m.sizes.count == 3)
            #expect(m.sizes.reduce(0, +) == 23_570)
            for c in 0..<3 { #expect(m.counts[c][0] == m.sizes[c]) }
            // The March cohort's 16th month after is June 1998, the data's last: observed. The 17th is not.
            #expect(m.counts[2][15] != nil && m.counts[2][16] == nil)
            #expect(m.counts[0][17] != nil)
        }
    }

    /// A against B, weekly, against brute force over a random log; zones and segment filters.
    @Test func weeklyRetentionOfAThenBEqualsBruteForce() throws {
        var random = SplitMix(seed: 11)
        var a = Retention.Events(), b = Retention.Events()
        let start = Timestamp.daysFromCivil(year: 2024, month: 1, day: 1) * Timestamp.millisPerDay
        for _ in 0..<3_000 {
            let c = UInt32(random.next() % 200), t = start + Int64(random.next() % UInt64(120 * Timestamp.millisPerDay))
            if random.next() % 3 == 0 { a.append(customer: c, time: t) } else { b.append(customer: c, time: t) }
        }
        let include = (0..<200).map { $0 % 3 != 0 }
        for offset in [0, 480] {
            for mode in Retention.Mode.allCases {
                for filter in [nil, include] {
                    let m = try Retention.matrix(cohort: a, returns: b, customerCount: 200, period: .week, periods: 10,
                                                 mode: mode, include: filter, offsetMinutes: offset)
                    // Brute force: first A per customer, its week; weeks of B at or after it.
                    func week(_ t: Int64) -> Int64 { CalendarPeriod.week.index(ofDay: CalendarPeriod.day(ofMillis: t, offsetMinutes: offset)) }
                    var first: [UInt32: Int64] = [:]
                    for i in 0..<a.count where filter.map({ $0[Int(a.customers[i])] }) ?? true {
                        first[a.customers[i]] = min(first[a.customers[i]] ?? .max, a.times[i])
                    }
                    let lastWeek = max(first.values.map(week).max() ?? 0, (0..<b.count).filter { first[b.customers[$0]] != nil }
                        .map { week(b.times[$0]) }.max() ?? 0)
                    var expected: [Int64: (size: Int, counts: [Int])] = [:]
                    for (c, t0) in first {
                        let w0 = week(t0)
                        let weeks = Set((0..<b.count).filter { b.customers[$0] == c && b.times[$0] >= t0 }.map { week(b.times[$0]) - w0 })
                        var row = expected[w0] ?? (0, Array(repeating: 0, count: 11))
                        row.size += 1
                        for k in 0...10 where mode == .bounded ? weeks.contains(Int64(k)) : weeks.contains(where: { $0 >= k }) {
                            row.counts[k] += 1
                        }
                        expected[w0] = row
                    }
                    #expect(m.cohortStarts.map { CalendarPeriod.week.index(ofDay: $0) } == expected.keys.sorted())
                    for (i, start) in m.cohortStarts.enumerated() {
                        let w0 = CalendarPeriod.week.index(ofDay: start)
                        let e = try #require(expected[w0])
                        #expect(m.sizes[i] == e.size)
                        #expect(m.counts[i] == (0...10).map { w0 + Int64($0) <= lastWeek ? e.counts[$0] : nil })
                    }
                    // Weeks start on Mondays.
                    #expect(m.cohortStarts.allSatisfy { (($0 % 7) + 7 + 3) % 7 == 0 })
                }
            }
        }
    }

    @Test func anEveningInShanghaiIsTheNextDayThere() throws {
        let evening = Timestamp.daysFromCivil(year: 2024, month: 1, day: 31) * Timestamp.millisPerDay + 20 * 3_600_000
        var a = Retention.Events()
        a.append(customer: 0, time: evening)
        let utc = try Retention.matrix(cohort: a, returns: a, customerCount: 1, period: .month, periods: 1)
        let shanghai = try Retention.matrix(cohort: a, returns: a, customerCount: 1, period: .month, periods: 1, offsetMinutes: 480)
        #expect(utc.cohortStarts == [Timestamp.daysFromCivil(year: 2024, month: 1, day: 1)])
        #expect(shanghai.cohortStarts == [Timestamp.daysFromCivil(year: 2024, month: 2, day: 1)])
        #expect(throws: RapportError.self) {
            try Retention.matrix(cohort: a, returns: a, customerCount: 1, period: .month, periods: -1)
        }
        // Out-of-range customers are ignored, not trapped on.
        var stray = a
        stray.append(customer: 99, time: evening)
        #expect(try Retention.matrix(cohort: stray, returns: stray, customerCount: 1, period: .day, periods: 3).sizes == [1])
    }
}
