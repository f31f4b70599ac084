import Foundation
import RapportAudience
import RapportCore
import RapportDemo
import RapportInsights
import RapportStore
import Testing

@testable import RapportEngine

/// The AARRR report of a workspace equals the metrics worked out by their definitions from each live
/// profile's timeline as the log holds it.
@Suite struct AARRRTests {
    /// One event of a timeline, as the brute force reads it.
    struct Event {
        var seq: Int64
        var name: String
        var time: Int64
        var channel: String
        var message: JSONValue
    }

    static let day = Timestamp.millisPerDay

    @Test(arguments: [(CalendarPeriod.week, 480, 10), (.day, 0, 40), (.month, -300, 4)])
    func reportEqualsTheDefinitionsOverTheLog(period: CalendarPeriod, offset: Int, periods: Int) async throws {
        let end = DemoConfig.defaultEndMillis
        let now = end + 3_600_000
        let store = try SQLiteStore(directory: temporaryDirectory(), durability: .normal)
        let engine = Engine(store: store, clock: FixedClock(millis: now))
        let (ws, creds) = try await engine.setUp(workspaceName: "aarrr")
        let keys = try #require(creds?.writeKeys)
        try await engine.projector.load()
        for b in demoBatches(DemoConfig(customers: 400, days: 120, seed: 71, endMillis: end), bySource: true) {
            try await engine.send(b.body, key: try #require(keys[b.source]))
        }
        var spec = AARRRSpec()
        spec.period = period
        spec.periods = periods
        spec.offsetMinutes = offset
        let report = try await engine.aarrrReport(workspaceId: ws.id, spec)

        // The reference, from every live profile's timeline.
        var timelines: [[Event]] = []
        for id in await engine.projector.liveProfiles(workspaceId: ws.id) {
            let page = try await engine.timeline(id, workspaceId: ws.id, before: nil, limit: 1_000_000)
            let events = page.events.filter { $0.stored.sourceId != RapportSource.id }.map {
                Event(seq: $0.stored.seq, name: $0.stored.name, time: $0.stored.timestamp, channel: $0.sourceName,
                      message: $0.message)
            }
            timelines.append(events.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) })
        }
        let expected = Self.reference(timelines, period: period, offset: offset, periods: periods, now: now)
        #expect(report.periods.count == periods)
        for (got, want) in zip(report.periods + [report.total], expected) {
            Self.expectEqual(got, want)
        }
        // The data says something: every metric is exercised.
        let t = report.total
        #expect(t.newProfiles > 100 && t.acquisition["channel"]?.count ?? 0 >= 3)
        #expect(t.acquisition["utm_source"]?.keys.contains("baidu") == true)
        #expect(t.activation.count > 0 && t.activation.count < t.activation.eligible)
        #expect(t.d1.count > 0 && t.d7.count > 0 && t.w1.count > 0)
        #expect(t.payingProfiles > 0 && t.repeatProfiles > 0 && t.revenue > 0 && t.revenueByChannel.count >= 2)
        #expect(t.invites > 0 && t.referred > 0)
    }

    static func expectEqual(_ got: AARRRReport.Period, _ want: AARRRReport.Period) {
        var g = got, w = want
        #expect(abs(g.revenue - w.revenue) <= 1e-6 * max(1, abs(w.revenue)), "revenue of \(w.start)")
        for (k, v) in w.revenueByChannel {
            #expect(abs((g.revenueByChannel[k] ?? -1) - v) <= 1e-6 * max(1, abs(v)), "revenue by \(k) of \(w.start)")
        }
        #expect(Set(g.revenueByChannel.keys) == Set(w.revenueByChannel.keys))
        g.revenue = 0; w.revenue = 0
        g.revenueByChannel = [:]; w.revenueByChannel = [:]
        #expect(g == w)
    }

    /// The metrics by their definitions (docs/insights.md), one timeline at a time.
    static func reference(_ timelines: [[Event]], period: CalendarPeriod, offset: Int, periods: Int, now: Int64)
        -> [AARRRReport.Period]
    {
        func dayOf(_ t: Int64) -> Int64 { CalendarPeriod.day(ofMillis: t, offsetMinutes: offset) }
        let today = dayOf(now)
        let last = period.index(ofDay: today), first = last - Int64(periods - 1)
        let starts = (0...periods).map { period.firstDay(ofIndex: first + Int64($0)) }
        var out = starts.dropLast().map { AARRRReport.Period(start: $0) } + [AARRRReport.Period(start: starts[0])]
        for b in 0...periods { out[b].complete = (b < periods ? starts[b + 1] : starts[periods]) <= today }
        func bucket(_ d: Int64) -> Int? {
            guard d >= starts[0], d < starts[periods] else { return nil }
            return Int(period.index(ofDay: d) - first)
        }
        let week = 7 * day
        for events in timelines {
            guard let f = events.first?.time else { continue }
            let fd = dayOf(f)
            // Revenue and referral by the events' periods; actives.
            var activeIn = Set<Int>(), payingIn = Set<Int>(), repeatIn = Set<Int>(), invitingIn = Set<Int>()
            var purchasesSoFar = 0
            for e in events {
                guard let b = bucket(dayOf(e.time)) else {
                    if e.name == "Order Completed" { purchasesSoFar += 1 }
                    continue
                }
                activeIn.insert(b)
                if e.name == "Order Completed" {
                    purchasesSoFar += 1
                    let amount: Double = switch e.message["properties"]?["revenue"] {
                    case .number(let x)?: x
                    case .string(let s)?: Double(s) ?? 0
                    default: 0
                    }
                    for k in [b, periods] {
                        out[k].orders += 1
                        out[k].revenue += amount
                        out[k].revenueByChannel[e.channel, default: 0] += amount
                    }
                    payingIn.insert(b)
                    if purchasesSoFar >= 2 { repeatIn.insert(b) }
                }
                if e.name == "Invite Sent" || e.name == "Referral Sent" {
                    out[b].invites += 1
                    out[periods].invites += 1
                    invitingIn.insert(b)
                }
            }
            for b in activeIn { out[b].activeProfiles += 1 }
            for b in payingIn { out[b].payingProfiles += 1 }
            for b in repeatIn { out[b].repeatProfiles += 1 }
            for b in invitingIn { out[b].inviters += 1 }
            if !activeIn.isEmpty { out[periods].activeProfiles += 1 }
            if !payingIn.isEmpty { out[periods].payingProfiles += 1 }
            if !repeatIn.isEmpty { out[periods].repeatProfiles += 1 }
            if !invitingIn.isEmpty { out[periods].inviters += 1 }
            // The new profile's cohort metrics.
            guard let b = bucket(fd) else { continue }
            let window = events.filter { $0.time < f + week }
            let activated = window.contains { $0.name == "Signed Up" }
            let referred = window.contains {
                guard $0.name == "Signed Up", let code = $0.message["properties"]?["referral_code"] else { return false }
                return code != .null
            }
            let firstDay = events.filter { $0.time < f + day }
            func touch(_ value: (Event) -> String?) -> String { firstDay.lazy.compactMap(value).first ?? "(none)" }
            let channel = touch { $0.channel }
            let source = touch { $0.message["context"]?["campaign"]?["source"]?.stringValue }
            let campaign = touch { $0.message["context"]?["campaign"]?["name"]?.stringValue }
            let days = Set(events.map { dayOf($0.time) })
            for k in [b, periods] {
                out[k].newProfiles += 1
                out[k].acquisition["channel", default: [:]][channel, default: 0] += 1
                out[k].acquisition["utm_source", default: [:]][source, default: 0] += 1
                out[k].acquisition["utm_campaign", default: [:]][campaign, default: 0] += 1
                if f + week <= now {
                    out[k].activation.eligible += 1
                    if activated { out[k].activation.count += 1 }
                }
                for (n, key) in [(1, \AARRRReport.Period.d1), (7, \.d7), (30, \.d30)] where fd + Int64(n) < today {
                    out[k][keyPath: key].eligible += 1
                    if days.contains(fd + Int64(n)) { out[k][keyPath: key].count += 1 }
                }
                if fd + 13 < today {
                    out[k].w1.eligible += 1
                    if (7...13).contains(where: { days.contains(fd + Int64($0)) }) { out[k].w1.count += 1 }
                }
                if referred { out[k].referred += 1 }
            }
        }
        return out
    }
}
