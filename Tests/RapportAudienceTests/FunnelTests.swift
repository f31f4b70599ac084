import RapportCore
import Testing

@testable import RapportAudience

/// Funnels over the index against brute force over each profile's history:
/// every attempt tried from every first step, as the definition reads.
@Suite struct FunnelTests {
    typealias A = ColumnarAgreementTests
    static let day = A.day, now = A.now

    /// Steps done by brute force: each first step in the range as a start, then the earliest next step each time
    /// (sequential), the very next events (strict), or every window ending at an event (any).
    static func bruteForce(_ events: [SubjectEvent], _ q: FunnelQuery) -> Int {
        let evaluator = ConditionEvaluator(now: q.to)
        let end = q.to + q.window
        let evs = events.filter { $0.time < end }
        func passes(_ k: Int, _ i: Int) -> Bool { evaluator.passes(q.steps[k], evs[i]) }
        func entry(_ i: Int) -> Bool { evs[i].time >= q.from && evs[i].time < q.to && passes(0, i) }
        var best = 0
        switch q.order {
        case .sequential:
            for i in evs.indices where entry(i) {
                var done = 1, at = i
                while done < q.steps.count,
                      let next = evs.indices.first(where: { $0 > at && evs[$0].time - evs[i].time <= q.window && passes(done, $0) }) {
                    done += 1
                    at = next
                }
                best = max(best, done)
            }
        case .strict:
            for i in evs.indices where entry(i) {
                var done = 1
                while done < q.steps.count, i + done < evs.count, evs[i + done].time - evs[i].time <= q.window,
                      passes(done, i + done) {
                    done += 1
                }
                best = max(best, done)
            }
        case .any:
            for e in evs.indices {
                let t = evs[e].time
                var done = 0
                while done < q.steps.count,
                      (0...e).contains(where: { evs[$0].time >= t - q.window && (done == 0 ? entry($0) : passes(done, $0)) }) {
                    done += 1
                }
                best = max(best, done)
            }
        }
        return best
    }

    static func query(_ r: inout SplitMix) -> FunnelQuery {
        let count = Int.random(in: 2...4, using: &r)
        var steps: [EventFilter] = []
        for _ in 0..<count {
            var f = A.filter(&r)
            if f.name == nil, r.chance(0.7) { f.name = r.pick(A.names) }
            steps.append(f)
        }
        let window = Int64.random(in: 1...30, using: &r) * day + Int64.random(in: 0..<day, using: &r)
        let from = now - Int64.random(in: 30...70, using: &r) * day
        return FunnelQuery(steps: steps, window: window, order: r.pick(FunnelOrder.allCases), from: from,
                           to: from + Int64.random(in: 1...40, using: &r) * day)
    }

    func check(seed: UInt64, events: Int, ordered: Bool) throws {
        var r = SplitMix(seed: 0xF0_77E1 + seed)
        let views = A.profiles(&r, count: 50)
        var audience = Audience()
        try audience.define(segments: [SegmentDefinition(name: "all", condition: .constant(true))], traits: [])
        audience.index = A.history(&r, profiles: views.flatMap(\.members), events: events, ordered: ordered)
        _ = audience.refresh(all: views, now: Self.now)
        var reachedSomewhere = 0
        for _ in 0..<25 {
            let q = Self.query(&r)
            let paths = try audience.funnel(q)
            // The merged pass split over workers finds the same.
            for workers in [2, 4] { #expect(try audience.funnel(q, workers: workers) == paths) }
            for v in views {
                let pos = try #require(audience.table.position(of: v.id))
                let history = audience.index.events(of: v.members, named: nil)
                let expected = Self.bruteForce(history, q)
                #expect(Int(paths.reached[pos]) == expected, "seed \(seed) \(q.order) profile \(v.id)")
                if expected > 0 { reachedSomewhere += 1 }
                // The attempt's times: in order, within the window, the first in the range.
                let times = Array(paths.stepTimes(pos))
                #expect(times.count == expected)
                if let first = times.first, let last = times.last {
                    #expect(first >= q.from && first < q.to || q.order == .any)
                    if q.order != .any {
                        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
                        #expect(last - first <= q.window)
                    }
                    #expect(paths.entryRows[pos] != .max)
                }
            }
        }
        #expect(reachedSomewhere > 0)
    }

    @Test(arguments: 0..<6)
    func funnelsAgreeWithBruteForce(seed: UInt64) throws {
        try check(seed: seed, events: 1_500, ordered: false)
    }

    @Test(arguments: 0..<3)
    func funnelsOverLongHistoriesInTimeOrder(seed: UInt64) throws {
        try check(seed: 50 + seed, events: 6_000, ordered: true)
    }

    @Test func aFunnelThatIsNotOneIsRefused() throws {
        var audience = Audience()
        let step = EventFilter(name: "A")
        for q in [FunnelQuery(steps: [], window: 1, from: 0, to: 1),
                  FunnelQuery(steps: [step], window: 0, from: 0, to: 1),
                  FunnelQuery(steps: [step], window: 1, from: 5, to: 5),
                  FunnelQuery(steps: Array(repeating: step, count: 17), window: 1, from: 0, to: 1)] {
            #expect(throws: ConditionError.self) { try audience.funnel(q) }
        }
    }
}
