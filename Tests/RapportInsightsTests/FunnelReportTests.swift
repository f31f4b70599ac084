import RapportAudience
import RapportCore
import Testing

@testable import RapportInsights

@Suite struct FunnelReportTests {
    /// Five profiles through three steps: two convert, one drops after step 2, one after step 1, one never entered.
    func paths() -> FunnelPaths {
        var p = FunnelPaths(steps: 3, ids: (1...5).map { ProfileID(Int64($0)) })
        let day = Timestamp.millisPerDay
        let monday = Timestamp.daysFromCivil(year: 2024, month: 3, day: 4) * day
        func set(_ pos: Int, _ times: [Int64]) {
            p.reached[pos] = UInt8(times.count)
            for (k, t) in times.enumerated() { p.times[pos * 3 + k] = t }
            p.entryRows[pos] = UInt32(pos)
        }
        set(0, [monday, monday + 30_000, monday + 2 * 3_600_000])          // 30 s, then ~2 h
        set(1, [monday + day, monday + day + 120_000, monday + 3 * day])     // 2 min, then ~2 days
        set(2, [monday + 8 * day, monday + 8 * day + 1_000])                 // dropped after step 2
        set(3, [monday + 9 * day])                                          // dropped after step 1
        return p
    }

    @Test func stepsDropOffTimesAndTrend() throws {
        let r = FunnelReport(paths(), labels: ["view", "add", "buy"], group: { $0 % 2 == 0 ? "even" : "odd" }, trend: .week)
        #expect(r.steps.map(\.count) == [4, 3, 2])
        #expect(r.steps.map(\.droppedAfter) == [1, 1, 0])
        #expect(r.steps[0].conversion == 1 && r.steps[2].conversion == 0.5)
        #expect(abs(r.steps[2].stepConversion - 2.0 / 3) < 1e-12)
        // Step 2 took 30 s, 120 s and 1 s: median 30 s; buckets < 1m ×2, 1–10m ×1.
        #expect(r.steps[1].medianSeconds == 30)
        #expect(r.steps[1].timeHistogram[0] == 2 && r.steps[1].timeHistogram[1] == 1)
        #expect(r.steps[0].medianSeconds == nil)
        // Step 3: 2 h − 30 s and 2 days − 2 min; the median of two is their mean.
        let twoHours = Double(2 * 3_600_000 - 30_000) / 1000, twoDays = Double(2 * 86_400_000 - 120_000) / 1000
        #expect(r.steps[2].medianSeconds == (twoHours + twoDays) / 2)
        // Positions 0 and 2 are "even", 1 and 3 "odd".
        #expect(r.groups.map(\.label) == ["odd", "even"] || r.groups.map(\.label) == ["even", "odd"])
        let even = try #require(r.groups.first { $0.label == "even" })
        #expect(even.counts == [2, 2, 1])
        // Weeks of 2024-03-04 (two entries, both converted) and 2024-03-11 (two, none).
        #expect(r.trend.map(\.entered) == [2, 2])
        #expect(r.trend.map(\.converted) == [2, 0])
        #expect(r.trend.first?.day == Timestamp.daysFromCivil(year: 2024, month: 3, day: 4))
        #expect(FunnelReport.dropped(paths(), afterStep: 2) == [ProfileID(3)])
        #expect(FunnelReport.dropped(paths(), afterStep: 1) == [ProfileID(4)])
        #expect(FunnelReport.dropped(paths(), afterStep: 3).isEmpty)
    }

    @Test func manyGroupsAreCutWithTheRestAsOther() {
        let r = FunnelReport(paths(), labels: [], group: { "g\($0)" }, maxGroups: 2)
        #expect(r.groups.count == 3)
        #expect(r.groups.last?.label == "other")
        #expect(r.groups.map { $0.counts[0] }.reduce(0, +) == 4)
        #expect(r.steps.map(\.label) == ["step 1", "step 2", "step 3"])
    }
}
