import Benchmark
import Foundation
import RapportAudience
import RapportCore
import RapportDemo
import RapportIngest
import RapportInsights
import Workload

let benchmarks: @Sendable () -> Void = {
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
        try cdnowReplicated(copies: 100)
    }

    let scale = AudienceWorkload.customers.formatted()
    let fullConfig = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(60), maxIterations: 10)

    Benchmark("Segments: full re-evaluation, 50 segments + 20 computed traits over \(scale) demo customers",
              configuration: fullConfig) { benchmark, box in
        // A minute later each time, as the scheduler ticks; in between, a minute of traffic
        // (more than the demo's busiest) reached the index and its profiles, unmeasured.
        let now = box.nextMinute()
        for _ in 0..<1_000 {
            let view = box.nextView()
            box.audience.index.append(profile: view.id, name: "Order Completed", time: now - 30_000,
                                      properties: box.order, context: box.context)
            blackHole(box.audience.refresh(view, now: now - 30_000))
        }
        benchmark.startMeasurement()
        let changes = box.audience.reevaluate(now: now)
        benchmark.stopMeasurement()
        blackHole(changes)
    } setup: {
        AudienceBox(AudienceWorkload.shared, report: true)
    }

    // The issue-4 target: < 1 s over the 50M events of 1,000,000 demo customers.
    Benchmark("Funnel: 4 steps, 30-day window, over \(scale) demo customers' events", configuration: fullConfig) {
        benchmark, box in
        let day = Timestamp.millisPerDay
        let steps = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]
        let query = FunnelQuery(steps: steps.map { EventFilter(name: $0) }, window: 30 * day, order: .sequential,
                                from: box.now - 181 * day, to: box.now)
        for _ in benchmark.scaledIterations {
            let paths = try box.audience.funnel(query)
            let report = FunnelReport(paths, labels: steps, trend: .week)
            blackHole(report)
            if !box.reported {
                box.reported = true
                var err = FileHandle.standardError
                print("funnel: " + report.steps.map { "\($0.label) \($0.count)" }.joined(separator: " → "), to: &err)
            }
        }
    } setup: {
        AudienceBox(AudienceWorkload.shared, report: false)
    }

    Benchmark("Paths: 4 steps after Product Viewed, over \(scale) demo customers' events", configuration: fullConfig) {
        benchmark, box in
        let day = Timestamp.millisPerDay
        let query = PathQuery(anchor: EventFilter(name: "Product Viewed"), steps: 4, from: box.now - 31 * day, to: box.now)
        for _ in benchmark.scaledIterations {
            let paths = try box.audience.paths(query)
            blackHole(PathReport(paths, anchor: "Product Viewed", steps: 4))
        }
    } setup: {
        AudienceBox(AudienceWorkload.shared, report: false)
    }

    Benchmark("Retention: weekly Order Completed cohorts over \(scale) demo customers' events", configuration: fullConfig) {
        benchmark, box in
        let orders = EventFilter(name: "Order Completed")
        for _ in benchmark.scaledIterations {
            let a = box.audience.occurrences(of: orders)
            let events = Retention.Events(customers: a.positions, times: a.times)
            blackHole(try Retention.matrix(cohort: events, returns: events, customerCount: box.audience.positionCount,
                                           period: .week, periods: 12))
        }
    } setup: {
        AudienceBox(AudienceWorkload.shared, report: false)
    }

    // AARRR: twelve weeks of the five stages, with acquisition by channel, utm source and campaign.
    Benchmark("AARRR: 12 weeks over \(scale) demo customers' events", configuration: fullConfig) { benchmark, box in
        let options = AARRR.Options(period: .week, periods: (CalendarPeriod.week.index(ofDay: box.now / Timestamp.millisPerDay) - 11)...CalendarPeriod.week.index(ofDay: box.now / Timestamp.millisPerDay),
                                    activationDays: 7, now: box.now, offsetMinutes: 480)
        let query = AARRRQuery(
            acquisition: [("channel", .source), ("utm_source", .context(["campaign", "source"])),
                          ("utm_campaign", .context(["campaign", "name"]))],
            activation: EventFilter(name: "Signed Up"), returns: nil, purchase: EventFilter(name: "Order Completed"),
            amount: .properties(["revenue"]), invites: [EventFilter(name: "Invite Sent"), EventFilter(name: "Referral Sent")],
            referred: try EventFilter(name: "Signed Up", where: Condition.parse("referral_code exists")), options: options)
        let names = DemoGenerator.sources
        for _ in benchmark.scaledIterations {
            let report = try AARRR.report(&box.audience, query) { v, path in
                if path == .source, case .number(let x) = v, Int(x) >= 1, Int(x) <= names.count { return names[Int(x) - 1] }
                if case .string(let s) = v { return s }
                return nil
            }
            blackHole(report)
            if !box.reported {
                box.reported = true
                var err = FileHandle.standardError
                let t = report.total
                print("aarrr: new \(t.newProfiles), activation \(t.activation.rate ?? -1), d7 \(t.d7.rate ?? -1), "
                      + "paying \(t.payingProfiles), revenue \(t.revenue), referred \(t.referred), K \(t.viralCoefficient ?? -1)",
                      to: &err)
            }
        }
    } setup: {
        AudienceBox(AudienceWorkload.reports, report: false)
    }

    // Lifecycle flows of the last 8 weeks worked out from the events: the stages as of 9 moments.
    Benchmark("Lifecycle: stages as of 9 week ends (8 weeks of flows) over \(scale) demo customers' events",
              configuration: fullConfig) { benchmark, box in
        let week = 7 * Timestamp.millisPerDay
        let moments = (0...8).map { box.now - Int64(8 - $0) * week }
        let stages = LifecycleModel.standard().stages.map(\.name)
        for _ in benchmark.scaledIterations {
            blackHole(box.audience.stagesAsOf(moments, stages: stages))
        }
    } setup: {
        AudienceBox(AudienceWorkload.reports, report: false)
    }

    let realTimeConfig = Benchmark.Configuration(
        metrics: [.wallClock], timeUnits: .microseconds, maxDuration: .seconds(30), maxIterations: 20_000)

    Benchmark("Segments: one event's effect on its profile (append + evaluate 50 segments + 20 traits), \(scale) customers",
              configuration: realTimeConfig) { benchmark, box in
        // A random customer orders: the event joins the index and the profile is evaluated again.
        let view = box.nextView()
        box.audience.index.append(profile: view.id, name: "Order Completed", time: box.now,
                                  properties: box.order, context: box.context)
        blackHole(box.audience.refresh(view, now: box.now))
    } setup: {
        AudienceBox(AudienceWorkload.shared, report: false)
    }
}

/// A workload's audience, evaluated once for every profile, that iterations change.
final class AudienceBox: @unchecked Sendable {
    var audience: Audience
    let views: [AudienceProfile]
    let now: Int64
    let order: JSONValue = .object(["revenue": .number(299), "payment_method": .string("alipay"), "currency": .string("CNY")])
    let context: JSONValue = .object(["library": .object(["name": .string("analytics-ios")])])
    private var state: UInt64 = 0x5EED
    var reported = false
    private var minutes: Int64 = 0

    init(_ w: AudienceWorkload, report: Bool) {
        audience = w.audience
        views = w.views
        now = w.now
        let start = ContinuousClock.now
        let changes = audience.refresh(all: w.views, now: w.now)
        let first = ContinuousClock.now - start
        if report {
            var err = FileHandle.standardError
            print("""
                audience workload: \(w.messages) messages, \(w.views.count) profiles, \(audience.index.count) events indexed
                index estimate: \(audience.index.approximateBytes / 1_048_576) MiB; resident before building \(w.residentBefore / 1_048_576) MiB, after \(w.residentAfter / 1_048_576) MiB
                first evaluation (table filled from every profile): \(first), \(changes.count) memberships; owner columns kept \(audience.ownerColumnBytes / 1_048_576) MiB
                sizes: \(audience.segments.map { "\($0.name)=\(audience.size(of: $0.name) ?? -1)" }.joined(separator: " "))
                """, to: &err)
        }
    }

    /// The time a minute after the last one asked for (the first: a minute after ``now``).
    func nextMinute() -> Int64 {
        minutes += 1
        return now + minutes * 60_000
    }

    /// A profile picked at random (seeded).
    func nextView() -> AudienceProfile {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return views[Int((state >> 33) % UInt64(max(1, views.count)))]
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}
