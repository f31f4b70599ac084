import Foundation
import RapportCore
import RapportDemo
import RapportInsights
import RapportStore
import Testing

@testable import RapportAudience
@testable import RapportEngine

/// Lifecycle stages of past periods, worked out from the events: each profile's stage at each period's end
/// equals the model's conditions evaluated at that moment over its timeline's earlier events.
@Suite struct LifecycleHistoryTests {
    /// A profile as it was at a moment: its events before then; attributes as they are now.
    struct PastSubject: ConditionSubject {
        let view: AudienceProfile
        let events: [SubjectEvent]

        func attribute(_ path: [String]) -> JSONValue? { view.value(at: path) }
        func hasTag(_ tag: String) -> Bool { view.tags.contains(tag) }
        func isInSegment(_ name: String) -> Bool { false }
        func events(named name: String?) -> [SubjectEvent] { name.map { n in events.filter { $0.name == n } } ?? events }
    }

    @Test(arguments: [(CalendarPeriod.week, 0, 8), (.month, 480, 5)])
    func stagesOfPastPeriodsEqualTheConditionsOverEarlierEvents(period: CalendarPeriod, offset: Int, count: Int) async throws {
        let end = DemoConfig.defaultEndMillis
        let now = end + 3_600_000
        let (engine, key, ws) = try await makeEngine(now: now)
        for b in demoBatches(DemoConfig(customers: 300, days: 200, seed: 29, endMillis: end)) {
            try await engine.send(b.body, key: key)
        }
        let model = try await engine.saveStandardLifecycle(workspaceId: ws.id)
        let history = try #require(try await engine.projector.lifecycleHistory(
            workspaceId: ws.id, period: period, count: count, offsetMinutes: offset))
        #expect(history.periods.count == count)
        #expect(history.periods.last?.end == now)

        // The reference: each live profile's stage at each moment, from its timeline.
        let stages = try model.parsed()
        let moments = [history.periods.first?.start ?? 0] + history.periods.map(\.end)
        var expected = [[String: Int]](repeating: [:], count: moments.count)
        var moves = [[StageFlows.Flow: Int]](repeating: [:], count: history.periods.count)
        for id in await engine.projector.liveProfiles(workspaceId: ws.id) {
            let view = await engine.projector.audienceProfile(id)
            let timeline = try await engine.timeline(id, workspaceId: ws.id, before: nil, limit: 1_000_000)
            let events = timeline.events.filter { $0.stored.sourceId != RapportSource.id }.map { e in
                SubjectEvent(name: e.stored.name, time: e.stored.timestamp,
                             properties: e.message["properties"] ?? .object([:]), context: e.message["context"] ?? .object([:]))
            }.sorted { $0.time < $1.time }
            var previous: String?
            for (i, moment) in moments.enumerated() {
                let before = events.filter { $0.time < moment }
                var stage: String?
                if !before.isEmpty {
                    let subject = PastSubject(view: view, events: before)
                    stage = stages.first { $0.condition.matches(subject, now: moment) }?.name
                }
                if let stage { expected[i][stage, default: 0] += 1 }
                if i > 0, stage != previous { moves[i - 1][StageFlows.Flow(from: previous, to: stage), default: 0] += 1 }
                previous = stage
            }
        }
        for (i, p) in history.periods.enumerated() {
            let sizes = Dictionary(uniqueKeysWithValues: zip(history.stages, p.sizes)).filter { $0.value > 0 }
            #expect(sizes == expected[i + 1], "sizes at the end of period \(i)")
            let flows = Dictionary(uniqueKeysWithValues: p.flows.map { ($0.flow, $0.count) })
            #expect(flows == moves[i], "moves in period \(i)")
        }
        // The history says something: several stages, and moves between stages (not only first appearances).
        let last = try #require(history.periods.last)
        #expect(last.sizes.filter { $0 > 0 }.count >= 4)
        #expect(history.periods.contains { $0.flows.contains { $0.flow.from != nil && $0.flow.to != nil } })
    }
}
