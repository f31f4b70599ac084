import RapportCore
import Testing

@testable import RapportAudience

/// The passes over every event that AARRR and lifecycle history read, against brute force over the events
/// appended, merged profiles among them.
@Suite struct ActivityTests {
    @Test func firstSeenActiveDaysAndFirstTouchEqualBruteForce() throws {
        var r = SplitMix(seed: 0xAC71)
        let day = Timestamp.millisPerDay, start: Int64 = 1_760_000_000_000
        let ids = (1...3_000).map { ProfileID(Int64($0)) }
        var index = AudienceIndex(paths: [.source, .context(["campaign", "source"])])
        var events: [(ProfileID, Int64, Int64, String?)] = []
        for _ in 0..<300_000 {
            let p = r.pick(ids), time = start + Int64.random(in: 0..<(60 * day), using: &r)
            let source = Int64.random(in: 1...5, using: &r)
            let campaign: String? = r.chance(0.05) ? r.pick(["baidu", "douyin", "微信"]) : nil
            index.append(profile: p, name: r.pick(["A", "B", "C", "D"]), time: time, properties: nil,
                         context: campaign.map { ["campaign": ["source": .string($0)]] } ?? [:], source: source)
            events.append((p, time, source, campaign))
        }
        // Every seventh profile merged into the one before: its events are that profile's.
        var audience = Audience()
        audience.index = index
        var views: [AudienceProfile] = []
        for i in stride(from: 0, to: ids.count, by: 7) where i + 1 < ids.count {
            views.append(AudienceProfile(id: ids[i], members: [ids[i], ids[i + 1]], traits: [:]))
            for j in (i + 2)..<min(i + 7, ids.count) { views.append(AudienceProfile(id: ids[j], members: [ids[j]], traits: [:])) }
        }
        audience.recordProfiles(views)
        let owner = Dictionary(uniqueKeysWithValues: views.flatMap { v in v.members.map { ($0, v.id) } })
        let offset = 480, firstDay = CalendarPeriodTestDay.day(start + 10 * day, offset), span = 20
        let (firstSeen, days) = audience.activity(firstDay: firstDay, dayCount: span, offsetMinutes: offset)
        let touch = audience.firstTouch(.context(["campaign", "source"]), firstSeen: firstSeen, within: 2 * day)
        let channel = audience.firstTouch(.source, firstSeen: firstSeen, within: day)
        // Brute force, profile by profile, events in log order.
        var first: [ProfileID: Int64] = [:], active: [ProfileID: Set<Int64>] = [:]
        for (p, time, _, _) in events {
            guard let o = owner[p] else { continue }
            first[o] = min(first[o] ?? .max, time)
            let d = CalendarPeriodTestDay.day(time, offset)
            if d >= firstDay, d < firstDay + Int64(span) { active[o, default: []].insert(d) }
        }
        var wantTouch: [ProfileID: (Int64, String)] = [:], wantChannel: [ProfileID: (Int64, Int64)] = [:]
        for (p, time, source, campaign) in events {
            guard let o = owner[p], let f = first[o] else { continue }
            if let campaign, time - f < 2 * day, time < (wantTouch[o]?.0 ?? .max) { wantTouch[o] = (time, campaign) }
            if time - f < day, time < (wantChannel[o]?.0 ?? .max) { wantChannel[o] = (time, source) }
        }
        var checked = 0
        for v in views {
            let pos = try #require(audience.position(of: v.id))
            #expect(firstSeen[pos] == first[v.id] ?? .max)
            for d in firstDay..<(firstDay + Int64(span)) {
                #expect(days.contains(pos, day: d) == (active[v.id]?.contains(d) ?? false))
            }
            #expect(touch[pos] == wantTouch[v.id].map { .string($0.1) })
            #expect(channel[pos] == wantChannel[v.id].map { .number(Double($0.1)) })
            if wantTouch[v.id] != nil { checked += 1 }
        }
        #expect(checked > 100)
    }
}

/// Days in a zone, as reports count them.
enum CalendarPeriodTestDay {
    static func day(_ t: Int64, _ offsetMinutes: Int) -> Int64 {
        let s = t + Int64(offsetMinutes) * 60_000
        return s >= 0 ? s / Timestamp.millisPerDay : (s - Timestamp.millisPerDay + 1) / Timestamp.millisPerDay
    }
}
