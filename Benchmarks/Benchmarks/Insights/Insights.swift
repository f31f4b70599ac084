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

    // The target: faster than DuckDB (0.63 s for the same matrix; Benchmarks/insights/run.sh prints both).
    Benchmark("Retention: monthly cohorts, CDNOW x100 (2,357,000 customers, 6,965,900 orders)", configuration: config) {
        benchmark, events in
        for _ in benchmark.scaledIterations {
            let m = try Retention.matrix(cohort: events.events, returns: events.events, customerCount: events.customers,
                                         period: .month, periods: 17)
            precondition(m.sizes.reduce(0, +) == 2_357_000)
            blackHole(m)
        }
    } setup: {
        cdnowEvents(try cdnowReplicated(copies: 100))
    }

    // The target: faster than DuckDB (0.87 s for the same stages; Benchmarks/insights/run.sh prints both).
    Benchmark("Lifecycle: the standard stages of CDNOW x100's 2,357,000 customers as of 1998-07-01", configuration: config) {
        benchmark, box in
        for _ in benchmark.scaledIterations {
            blackHole(box.audience.reevaluate(now: box.now))
        }
    } setup: {
        try LifecycleBox(try cdnowReplicated(copies: 100))
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

/// Purchases as retention events: customers numbered densely in order of id (as the index's slots are),
/// times at midnight UTC.
func cdnowEvents(_ purchases: RFM.Purchases) -> (events: Retention.Events, customers: Int) {
    let grouped = purchases.grouped(throughDay: Int(Int32.max))
    var events = Retention.Events()
    events.customers.reserveCapacity(purchases.count)
    events.times.reserveCapacity(purchases.count)
    for c in 0..<grouped.count {
        for i in grouped.range(of: c) {
            events.append(customer: UInt32(c), time: Int64(grouped.days[i]) * Timestamp.millisPerDay)
        }
    }
    return (events, grouped.count)
}

/// An audience with the standard lifecycle model's stages and CDNOW x100's purchases as
/// `Order Completed` events (each customer one profile), evaluated once in setup.
final class LifecycleBox: @unchecked Sendable {
    var audience = Audience()
    let now = Timestamp.daysFromCivil(year: 1998, month: 7, day: 1) * Timestamp.millisPerDay

    init(_ purchases: RFM.Purchases) throws {
        let stages = try LifecycleModel.standard().parsed()
        try audience.define(segments: LifecycleStages.segments(stages), traits: [])
        let grouped = purchases.grouped(throughDay: Int(Int32.max))
        var views: [AudienceProfile] = []
        views.reserveCapacity(grouped.count)
        for c in 0..<grouped.count {
            let id = ProfileID(grouped.customers[c])
            for i in grouped.range(of: c) {
                audience.index.append(profile: id, name: "Order Completed", time: Int64(grouped.days[i]) * Timestamp.millisPerDay,
                                      properties: nil, context: nil)
            }
            views.append(AudienceProfile(id: id, members: [id], traits: [:]))
        }
        _ = audience.refresh(all: views, now: now)
        _ = audience.reevaluate(now: now)
        var err = FileHandle.standardError
        print("lifecycle stages: " + stages.map { "\($0.name)=\(audience.size(of: LifecycleStages.segmentName($0.name)) ?? -1)" }
            .joined(separator: " "), to: &err)
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}
