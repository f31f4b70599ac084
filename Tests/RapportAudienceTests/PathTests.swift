import RapportCore
import Testing

@testable import RapportAudience

/// Paths over the index against each profile's history read as the definition says.
@Suite struct PathTests {
    typealias A = ColumnarAgreementTests

    @Test(arguments: 0..<4)
    func pathsEqualTheHistories(seed: UInt64) throws {
        var r = SplitMix(seed: 0x9A7 + seed)
        let views = A.profiles(&r, count: 60)
        var audience = Audience()
        try audience.define(segments: [SegmentDefinition(name: "all", condition: .constant(true))], traits: [])
        audience.index = A.history(&r, profiles: views.flatMap(\.members), events: 2_000, ordered: seed % 2 == 0)
        _ = audience.refresh(all: views, now: A.now)
        for _ in 0..<6 {
            let anchor = r.chance(0.8) ? EventFilter(name: r.pick(A.names)) : A.filter(&r)
            let from = A.now - Int64.random(in: 20...60, using: &r) * A.day
            let q = PathQuery(anchor: anchor, after: r.chance(0.7), steps: Int.random(in: 1...5, using: &r), from: from,
                              to: from + Int64.random(in: 5...40, using: &r) * A.day, collapseRepeats: r.chance(0.5))
            let got = try audience.paths(q)
            var expected: [[String]] = []
            let evaluator = ConditionEvaluator(now: q.to)
            for v in views {
                let events = audience.index.events(of: v.members, named: nil)
                guard let at = events.indices.filter({ events[$0].time >= q.from && events[$0].time < q.to
                                                        && evaluator.passes(q.anchor, events[$0]) })
                    .min(by: { (events[$0].time, $0) < (events[$1].time, $1) }) else { continue }
                var names: [String] = []
                var last: String? = q.collapseRepeats ? events[at].name : nil
                var k = at
                while names.count < q.steps {
                    k += q.after ? 1 : -1
                    guard events.indices.contains(k) else { break }
                    if q.collapseRepeats, last == events[k].name { continue }
                    names.append(events[k].name)
                    last = events[k].name
                }
                expected.append(names)
            }
            #expect(got.anchored == expected.count)
            #expect(got.paths.map { $0.joined(separator: ">") }.sorted() == expected.map { $0.joined(separator: ">") }.sorted(),
                    "seed \(seed) \(q)")
        }
    }
}
